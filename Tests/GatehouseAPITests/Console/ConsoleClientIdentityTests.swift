import Foundation
import GatehouseAPI
import GatehouseCore
import GatehouseTestSupport
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// The console knows its client as the API does: behind a trusted proxy (`TRUSTED_PROXIES`) the
/// address `X-Forwarded-For` names, with the user agent, in throttles, sessions and audit rows.
@Suite("Console: the client's IP and user agent, as the API sees them", .serialized)
struct ConsoleClientIdentityTests {
    @Test func badConsoleSignInsAreThrottledPerClientInTheAPIsBuckets() async throws {
        let user = try await TestApp.run { client in try await TestUsers.signUp(client) }
        var configuration = try await AuthThrottleTests.behindProxy()
        configuration.authThrottlePerIP = 3
        let (guesser, apiGuesser, bystander) = (AuthThrottleTests.uniqueIPv4(), AuthThrottleTests.uniqueIPv4(), AuthThrottleTests.uniqueIPv4())
        try await TestApp.run(configuration) { client in
            func consoleSignIn(_ password: String, from ip: String) async throws -> ConsoleBrowser.Page {
                var browser = ConsoleBrowser(client)
                browser.extraHeaders = AuthThrottleTests.as_(ip)
                try await browser.get("/console/sign-in")
                return try await browser.post("/console/sign-in", [("email", user.email), ("password", password)])
            }
            func apiLogin(_ password: String, from ip: String) async throws -> TestResponse {
                try await client.send(.post, "/api/v2/auth/login", json: ["email": user.email, "password": password],
                                      headers: AuthThrottleTests.as_(ip))
            }
            // Three attempts per client, then 429: in the console...
            for _ in 0..<3 { #expect(try await consoleSignIn("wrong password", from: guesser).status == .unauthorized) }
            let limited = try await consoleSignIn(user.password, from: guesser)
            #expect(limited.status == .tooManyRequests)
            #expect(limited.text.contains("Too many attempts"))
            #expect(limited.setCookies.allSatisfy { !$0.hasPrefix("gatehouse_console=") })
            // ...exactly as through the API, in the same bucket: that client is refused there too.
            #expect(try await apiLogin(user.password, from: guesser).status == .tooManyRequests)
            for _ in 0..<3 { #expect(try await apiLogin("wrong password", from: apiGuesser).status == .unauthorized) }
            #expect(try await apiLogin(user.password, from: apiGuesser).status == .tooManyRequests)
            #expect(try await consoleSignIn(user.password, from: apiGuesser).status == .tooManyRequests)
            // The proxy's own address is not the client: another client behind it signs in.
            let fine = try await consoleSignIn(user.password, from: bystander)
            #expect(fine.status == .seeOther)
            #expect(fine.location == "/console/keys")
        }
    }

    @Test func consoleAuditRowsAndSessionsCarryTheForwardedClient() async throws {
        let configuration = try await AuthThrottleTests.behindProxy()
        let ip = AuthThrottleTests.uniqueIPv4()
        try await TestApp.run(configuration) { client in
            let owner = try await TestUsers.signUp(client)
            var browser = ConsoleBrowser(client)
            browser.extraHeaders = AuthThrottleTests.as_(ip)
            try await browser.signIn(owner.email, owner.password)
            _ = try await ConsoleKeysTests.createKey(&browser, [("name", "behind-a-proxy")])

            // The key's creation: the user, from the client the proxy named, with the browser's agent.
            var audit = try await client.send(.get, "/api/v2/audit-events?action=api_key.create", headers: owner.authorization)
            let created = try #require((try audit.json["items"] as? [[String: Any]])?.first)
            #expect(created["actor_id"] as? String == owner.userID.uuidString.lowercased())
            #expect(created["ip"] as? String == ip)
            #expect(created["user_agent"] as? String == "ConsoleBrowser/1.0 (tests)")
            #expect((created["request_id"] as? String)?.isEmpty == false)

            // The consent ledger too.
            try await browser.get("/console/settings")
            #expect(try await browser.post("/console/settings", [("ai_consent_enabled", "on")]).status == .seeOther)
            let consents = try await client.send(.get, "/api/v2/tenant/consents", headers: owner.authorization)
            let consent = try #require((try consents.json["items"] as? [[String: Any]])?.first)
            #expect(consent["ip"] as? String == ip)

            // A reset through the console's mail link: its audit row names the client that followed it.
            var resetter = ConsoleBrowser(client)
            let resetIP = AuthThrottleTests.uniqueIPv4()
            resetter.extraHeaders = AuthThrottleTests.as_(resetIP)
            try await resetter.get("/console/forgot-password")
            try await resetter.post("/console/forgot-password", [("email", owner.email)])
            let token = try TestMail.token(in: try await TestMail.waitFor(to: owner.email, subject: "Reset your Gatehouse password"))
            try await resetter.get("/auth/reset-password?token=\(token)")
            let reset = try await resetter.post("/auth/reset-password", [("token", token), ("new_password", "a brand new passphrase")])
            #expect(reset.status == .seeOther)
            audit = try await client.send(.get, "/api/v2/audit-events?action=user.password_reset",
                                          headers: try await TestUsers.addUser(role: .owner, tenantID: owner.tenantID).authorization)
            let row = try #require((try audit.json["items"] as? [[String: Any]])?.first)
            #expect(row["ip"] as? String == resetIP)
            #expect(row["user_agent"] as? String == "ConsoleBrowser/1.0 (tests)")

            // A magic link that proves a never-verified address: the proof names its client.
            let unverified = try await TestUsers.signUpUnverified(client)
            var linkFollower = ConsoleBrowser(client)
            let linkIP = AuthThrottleTests.uniqueIPv4()
            linkFollower.extraHeaders = AuthThrottleTests.as_(linkIP)
            try await linkFollower.get("/console/magic-link")
            try await linkFollower.post("/console/magic-link", [("email", unverified.email)])
            let link = try TestMail.token(in: try await TestMail.waitFor(to: unverified.email, subject: "Your Gatehouse sign-in link"))
            try await linkFollower.get("/auth/magic-link?token=\(link)")
            let signedIn = try await linkFollower.post("/auth/magic-link", [("token", link)])
            #expect(signedIn.location == "/console/keys")
            audit = try await client.send(.get, "/api/v2/audit-events?action=user.email_ownership_proven",
                                          headers: try await TestUsers.addUser(role: .owner, tenantID: unverified.tenantID).authorization)
            let proof = try #require((try audit.json["items"] as? [[String: Any]])?.first)
            #expect(proof["ip"] as? String == linkIP)
            #expect(proof["user_agent"] as? String == "ConsoleBrowser/1.0 (tests)")
            #expect((proof["changes"] as? [String: Any])?["via"] as? String == "magic_link")
        }
    }
}
