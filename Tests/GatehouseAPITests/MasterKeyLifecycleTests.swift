import Foundation
import GatehouseAuth
import GatehouseStore
import GatehouseTestSupport
import HTTPTypes
import HummingbirdTesting
import Postgres
import Testing

/// Master keys have a lifecycle (issue 8, item 11): listed, revoked and expired from the
/// command line, run as the owning role only (item 9), each step in the audit log.
@Suite("Master keys: lifecycle")
struct MasterKeyLifecycleTests {
    static var environment: [String: String] {
        get throws { ["MIGRATION_DATABASE_URL": try TestDatabase.ownerURL, "KEY_PEPPER": TestApp.keyPepper] }
    }

    @Test func revokeEndsAccessAtOnceAndTheListShowsIt() async throws {
        try await TestDatabase.migrate()
        let start = Date().addingTimeInterval(-5).formatted(.iso8601)
        let name = "revoke-\(UUID().uuidString.prefix(8))"
        let created = try await GatehouseBinary.run(
            ["admin", "create-master-key", "--name", name, "--expires-in-days", "30"], environment: try Self.environment)
        #expect(created.status == 0, "\(created.stderr)")
        let lines = created.stdout.split(separator: "\n").map(String.init)
        let raw = try #require(lines.last)
        let id = try #require(lines.first?.firstMatch(of: /master key ([0-9a-f-]{36})/).map { String($0.1) })

        try await TestApp.run { client in
            var response = try await client.requestJSON(.get, "/api/v2/admin/api-keys?limit=1", headers: TestMasterKey.headers(raw))
            #expect(response.status == 200, "\(response.text)")

            var listed = try await GatehouseBinary.run(["admin", "list-master-keys"], environment: try Self.environment)
            #expect(listed.status == 0, "\(listed.stderr)")
            var row = try #require(listed.stdout.split(separator: "\n").first { $0.hasPrefix(id) }).split(separator: "\t").map(String.init)
            #expect(row[1] == name)
            #expect(row[2] == String(raw.prefix(12)))
            #expect(row[4] != "-")        // expires_at
            #expect(row[5] != "-")        // last_used_at: the request above
            #expect(row[6] == "-")        // not revoked
            #expect(!listed.stdout.contains(raw))

            let revoked = try await GatehouseBinary.run(["admin", "revoke-master-key", id], environment: try Self.environment)
            #expect(revoked.status == 0, "\(revoked.stderr)")
            // The very next request is refused: no cache, no grace.
            response = try await client.requestJSON(.get, "/api/v2/admin/api-keys?limit=1", headers: TestMasterKey.headers(raw))
            #expect(response.status == 401, "\(response.text)")

            listed = try await GatehouseBinary.run(["admin", "list-master-keys"], environment: try Self.environment)
            row = try #require(listed.stdout.split(separator: "\n").first { $0.hasPrefix(id) }).split(separator: "\t").map(String.init)
            #expect(row[6] != "-")
            let again = try await GatehouseBinary.run(["admin", "revoke-master-key", id], environment: try Self.environment)
            #expect(again.status == 0)
            #expect(again.stdout.contains("already revoked"))
            let unknown = try await GatehouseBinary.run(
                ["admin", "revoke-master-key", UUID().uuidString], environment: try Self.environment)
            #expect(unknown.status != 0)

            // Both steps are platform events in the operator's audit log (once each).
            let operatorKey = try await TestMasterKey.create()
            var events: [[String: Any]] = []
            for action in ["master_key.revoke", "master_key.create"] {
                response = try await client.requestJSON(.get, "/api/v2/admin/audit-events?action=\(action)&since=\(start)&limit=200",
                                                        headers: TestMasterKey.headers(operatorKey))
                #expect(response.status == 200, "\(response.text)")
                events += (response.object["items"] as? [[String: Any]] ?? []).filter { $0["target_id"] as? String == id }
            }
            #expect(events.map { $0["action"] as? String } == ["master_key.revoke", "master_key.create"])
            #expect(events.allSatisfy { $0["tenant_id"] is NSNull && $0["actor_type"] as? String == "system" })
        }
    }

    @Test func anExpiredMasterKeyIsRefused() async throws {
        let expired = try await TestMasterKey.create(expiresAt: Date().addingTimeInterval(-1))
        let live = try await TestMasterKey.create(expiresAt: Date().addingTimeInterval(3600))
        try await TestApp.run { client in
            var response = try await client.requestJSON(.get, "/api/v2/admin/api-keys?limit=1", headers: TestMasterKey.headers(expired))
            #expect(response.status == 401)
            response = try await client.requestJSON(.get, "/api/v2/admin/api-keys?limit=1", headers: TestMasterKey.headers(live))
            #expect(response.status == 200)
        }
    }

    @Test func theServerRoleCannotMintListOrRevokeMasterKeys() async throws {
        try await TestDatabase.migrate()
        let app = Database(pool: try await TestDatabase.appPool(maxConnections: 1))
        defer { Task { await app.pool.shutdown() } }
        let hash = KeyHasher(pepper: TestApp.keyPepper).hash(KeyFormat().generate(.admin))
        for statement: PostgresQuery in [
            "SELECT platform_create_master_key('evil', \(hash), 'gk_admin_000', NULL)",
            "SELECT * FROM platform_list_master_keys()",
            "SELECT platform_revoke_master_key(\(UUID()))",
            "SELECT * FROM master_keys",
        ] {
            let error = await #expect(throws: PostgresError.self) {
                try await app.withPlatform { session in try await session.execute(statement) }
            }
            #expect(error?.isInsufficientPrivilege == true, "\(statement.sql): \(String(describing: error))")
        }
        // And the command line, given the server's role, says what to do instead.
        let result = try await GatehouseBinary.run(
            ["admin", "create-master-key", "--name", "nope"],
            environment: ["DATABASE_URL": try TestDatabase.appURL, "KEY_PEPPER": TestApp.keyPepper])
        #expect(result.status != 0)
        #expect(result.stderr.contains("MIGRATION_DATABASE_URL"), "\(result.stderr)")
    }
}
