import Foundation
import GatehouseClient
import OpenAPIAsyncHTTPClient
import Testing

/// The Swift client that swift-openapi-generator makes from openapi.yaml (target
/// `GatehouseClient`), used as a customer would, over real HTTP through async-http-client: if an
/// answer breaks the contract (a missing required field, an undocumented status), the generated
/// decoding fails here.
@Suite("Generated Swift client: signup → key → session → message → usage")
struct GeneratedSwiftClientTests {
    @Test func aCustomersFirstHourThroughTheGeneratedClient() async throws {
        try await TestApp.run { testClient in
            let serverURL = URL(string: "http://127.0.0.1:\(try #require(testClient.port))")!
            let transport = AsyncHTTPClientTransport()
            let anonymous = Client(serverURL: serverURL, transport: transport)

            let email = TestUsers.uniqueEmail("swift-client")
            let pair = try await anonymous.authSignup(body: .json(.init(
                email: email, password: TestUsers.password, fullName: "Swift Client", tenantName: "Swift Co"
            ))).created.body.json
            #expect(pair.tokenType == .bearer)
            #expect(pair.user.emailVerified == false)

            let token = try TestMail.token(in: try await TestMail.waitFor(to: email, subject: "Confirm your email"))
            let verified = try await anonymous.authVerifyEmail(body: .json(.init(token: token))).ok.body.json
            #expect(verified.emailVerified)

            let owner = Client(serverURL: serverURL, transport: transport, middlewares: [Credential.bearer(pair.accessToken)])
            let created = try await owner.apiKeysCreate(body: .json(.init(
                name: "swift client", scopes: [.sessionsManage, .messagesSend], rateLimitRpm: 100
            ))).created.body.json
            #expect(created.rawKey.hasPrefix("gk_live_"))

            let keyList = try await owner.apiKeysList().ok.body.json
            #expect(keyList.items.map(\.id) == [created.id])
            #expect(keyList.nextCursor == nil)

            let key = Client(serverURL: serverURL, transport: transport, middlewares: [Credential.apiKey(created.rawKey)])
            let session = try await key.sessionsCreate(body: .json(.init(name: "swift-session"))).created.body.json
            #expect(session.state == .ready)
            let message = try await key.messagesSend(body: .json(.init(
                sessionId: session.id, to: "+15550003333", text: "hello from swift"
            ))).accepted.body.json
            #expect(message.cost == "0.010000")
            #expect(message.status == .sent)

            // The usage log is written off the request path: wait for the two calls made with the key.
            let deadline = ContinuousClock.now + .seconds(30)
            var usage = try await owner.apiKeysUsage(path: .init(id: created.id)).ok.body.json
            while usage.totalCalls < 2, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(100))
                usage = try await owner.apiKeysUsage(path: .init(id: created.id)).ok.body.json
            }
            #expect(usage.totalCalls == 2)
            #expect(usage.totalCost == "0.010000")
            #expect(Set(usage.byEndpoint.map(\.endpoint)) == ["POST /api/v2/sessions", "POST /api/v2/messages"])
        }
    }
}
