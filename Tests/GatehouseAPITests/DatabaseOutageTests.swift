import Foundation
import GatehouseStore
import GatehouseTestSupport
import HTTPTypes
import HummingbirdTesting
import Postgres
import Testing

/// The database path broken for real: the server's pool reaches the test cluster through a TCP
/// proxy (`DatabaseProxy`) that drops every connection (what a restart does) or refuses new
/// ones (the database is down), and the requests go over real HTTP.
@Suite("Database outage over real HTTP: restart, refusal, recovery")
struct DatabaseOutageTests {
    static let apiKey = HTTPField.Name("X-API-Key")!

    /// Four reads and four writes at once, each on its own HTTP connection.
    static func burst(_ client: some TestClientProtocol, key: String) async throws -> [TestClient.Response] {
        let read = ConcurrentRequest(method: .get, uri: "/api/v2/tenant/settings", headers: [apiKey: key])
        let write = ConcurrentRequest(method: .post, uri: "/api/v2/usage/events", headers: [apiKey: key],
                                      json: ["meter": "ai_replies", "quantity": 1])
        return try await client.executeConcurrently([read, write, read, write, read, write, read, write])
    }

    static func statuses(_ responses: [TestClient.Response]) -> [Int] {
        responses.map { Int($0.status.code) }
    }

    @Test func aRestartCostsNoErrorAnOutageIs503AndNothingCommittedIsLost() async throws {
        let tenant = try await TestKeys.tenant(name: "Outage tenant")
        let key = try await TestKeys.create(tenantID: tenant, scopes: [.settingsRead, .usageWrite], rateLimitRPM: 1000)
        let proxy = try await DatabaseProxy.start(forwardingTo: try TestDatabase.appURL)
        var configuration = try await TestApp.configuration()
        configuration.databaseURL = proxy.url(replacingIn: try TestDatabase.appURL)
        // A connection for every request of a burst, and time enough to open one on a loaded
        // machine: only the refused phase may end in a 503.
        configuration.databasePoolSize = 8
        configuration.databasePoolTimeout = .seconds(3)
        // Nothing but the requests uses the pool meanwhile (a background writer would find the
        // dead connections first): the usage queue is written when the server stops, and the
        // mail worker polls once, at start.
        configuration.usageFlushInterval = .seconds(600)
        configuration.mailPollInterval = .seconds(3600)
        let admitted = try await TestApp.run(configuration) { client in
            var admitted: [TestClient.Response] = []
            let expected = [200, 201, 200, 201, 200, 201, 200, 201]

            let warm = try await Self.burst(client, key: key.raw)
            #expect(Self.statuses(warm) == expected)
            admitted += warm
            #expect(proxy.connectionCount > 0)

            // A restart: every pooled connection closed by the other side while idle. Reads and
            // writes alike go out on fresh connections; none is answered with an error.
            await proxy.dropAll()
            let afterRestart = try await Self.burst(client, key: key.raw)
            #expect(Self.statuses(afterRestart) == expected)
            admitted += afterRestart

            // Down: connections refused for longer than DB_POOL_TIMEOUT_SECONDS. Every request
            // is a 503 in the contract's problem shape, with Retry-After.
            proxy.refuse()
            await proxy.dropAll()
            for response in try await Self.burst(client, key: key.raw) {
                #expect(response.status == .serviceUnavailable)
                #expect(response.headers[.contentType] == "application/problem+json")
                #expect(response.headers[.retryAfter] == "1")
                let problem = try response.json
                #expect(problem["error"] as? String == "service_unavailable")
                #expect(problem["status"] as? Int == 503)
                #expect(problem["title"] is String && problem["type"] is String && problem["detail"] is String)
                #expect(problem["request_id"] as? String == response.headers[HTTPField.Name("X-Request-Id")!])
                // Nothing about the database reaches the client.
                #expect((problem["detail"] as? String)?.contains("127.0.0.1") == false)
            }

            // Back: everything is answered again, with no restart of Gatehouse.
            proxy.accept()
            let back = try await Self.burst(client, key: key.raw)
            #expect(Self.statuses(back) == expected)
            admitted += back
            return admitted
        }
        await proxy.stop()

        // No committed write lost: one event per 201, and the usage log (its queue written when
        // the server stopped) counts every admitted request.
        let database = try await TestKeys.database()
        defer { Task { await database.pool.shutdown() } }
        let events = try await database.withTenant(tenant) { session in
            try await session.query("SELECT count(*) AS n FROM meter_events").first!.decode("n", as: Int.self)
        }
        #expect(events == admitted.filter { $0.status == .created }.count)
        var logged = 0
        try await Eventually.wait(for: "the usage log to count all \(admitted.count) admitted requests (last count \(logged))") {
            logged = try await database.withTenant(tenant) { session in
                try await session.query("""
                    SELECT count(*) AS n FROM usage_log WHERE api_key_id = \(key.id) AND status_code BETWEEN 200 AND 299
                    """).first!.decode("n", as: Int.self)
            }
            return logged == admitted.count
        }
    }
}
