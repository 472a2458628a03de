import Foundation
import GatehouseAPI
import GatehouseStore
import GatehouseTestSupport
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// A signed-in user's send (JWT, no key) is metered to the tenant's usage like a key's send
/// (issue 8, item 4): before, it skipped the usage log entirely.
@Suite("Usage: signed-in users' priced calls are metered to the tenant")
struct SignedInMeteringTests {
    struct Logged: Equatable {
        var key: UUID?
        var endpoint: String
        var status: Int
        var cost: Decimal
    }

    @Test func aJWTSendIsLoggedAndCountedInTheTenantsUsage() async throws {
        var configuration = try await TestApp.configuration()
        configuration.usageFlushInterval = .milliseconds(50)
        try await TestApp.run(configuration) { client in
            let owner = try await TestUsers.signUp(client)
            let created = try await client.send(.post, "/api/v2/sessions", json: ["name": "signed in"], headers: owner.authorization)
            #expect(created.status == .created, "\(created.text)")
            let session = try #require(try created.json["id"] as? String)
            let send = try await client.send(.post, "/api/v2/messages", json: ["session_id": session, "to": "+15550000001", "text": "hi"],
                                             headers: owner.authorization)
            #expect(send.status == .accepted, "\(send.text)")

            let database = try await TestKeys.database()
            defer { Task { await database.pool.shutdown() } }
            var rows: [Logged] = []
            for _ in 0..<100 {
                rows = try await database.withTenant(owner.tenantID) { db in
                    try await db.query("SELECT api_key_id, endpoint, status_code, cost FROM usage_log").map {
                        Logged(key: try $0.decode("api_key_id", as: UUID?.self), endpoint: try $0.decode("endpoint", as: String.self),
                               status: try $0.decode("status_code", as: Int.self), cost: try $0.decode("cost", as: Decimal.self))
                    }
                }
                if !rows.isEmpty { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(rows == [Logged(key: nil, endpoint: "POST /api/v2/messages", status: 202, cost: Decimal(string: "0.01")!)])

            let usage = try await client.send(.get, "/api/v2/usage/current", headers: owner.authorization)
            #expect(usage.status == .ok, "\(usage.text)")
            #expect(try usage.json["api_calls"] as? Int == 1)
            #expect(try usage.json["cost"] as? String == "0.010000")
        }
    }
}
