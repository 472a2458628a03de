import Foundation
import GatehouseStore
import GatehouseTestSupport
import Postgres
import Testing

/// Row-level security through the tenant door, as the server's own role (`gatehouse_app`).
@Suite("Tenant door: forced RLS keeps tenants apart")
struct TenantScopeTests {
    /// Two tenants, each with two users.
    private func twoTenants(_ database: Database) async throws -> (UUID, UUID) {
        let a = try await TestTenant.create(in: database, name: "A")
        let b = try await TestTenant.create(in: database, name: "B")
        for (tenant, label) in [(a, "a"), (b, "b")] {
            try await database.withTenant(tenant) { session in
                for index in 0..<2 {
                    let email = "\(label)\(index)-\(UUID().uuidString.prefix(8))@example.com"
                    try await session.execute("""
                        INSERT INTO users (tenant_id, email, full_name, role)
                        VALUES (\(tenant), \(email), \("User \(index)"), 'member')
                        """)
                }
            }
        }
        return (a, b)
    }

    private func count(_ database: Database, _ tenant: UUID, _ table: String) async throws -> Int {
        try await database.withTenant(tenant) { session in
            try await session.query("SELECT count(*) AS n FROM \(unescaped: table)").first!.decode("n", as: Int.self)
        }
    }

    @Test func statementsWithoutWhereTouchOnlyTheScopedTenant() async throws {
        let database = Database(pool: try await TestDatabase.appPool())
        defer { Task { await database.pool.shutdown() } }
        let (a, b) = try await twoTenants(database)

        let seen = try await database.withTenant(a) { session in
            try await session.query("SELECT DISTINCT tenant_id FROM users").map { try $0.decode("tenant_id", as: UUID.self) }
        }
        #expect(seen == [a])

        let updated = try await database.withTenant(a) { session in
            try await session.execute("UPDATE users SET full_name = 'renamed'")
        }
        #expect(updated == 2)
        let bNames = try await database.withTenant(b) { session in
            try await session.query("SELECT full_name FROM users").map { try $0.decode("full_name", as: String.self) }
        }
        #expect(bNames.allSatisfy { $0 != "renamed" } && bNames.count == 2)

        // DELETE with no WHERE (one_time_tokens is deletable by the server role).
        for tenant in [a, b] {
            try await database.withTenant(tenant) { session in
                try await session.execute("""
                    INSERT INTO one_time_tokens (tenant_id, user_id, purpose, token_hash, expires_at)
                    SELECT tenant_id, id, 'verify_email', \(Data(UUID().uuidString.utf8)), now() + interval '1 hour'
                      FROM users LIMIT 1
                    """)
            }
        }
        let deleted = try await database.withTenant(a) { try await $0.execute("DELETE FROM one_time_tokens") }
        #expect(deleted == 1)
        #expect(try await count(database, b, "one_time_tokens") == 1)
        #expect(try await count(database, a, "tenants") == 1)
    }

    @Test func writingAnotherTenantsRowIsRefused() async throws {
        let database = Database(pool: try await TestDatabase.appPool())
        defer { Task { await database.pool.shutdown() } }
        let (a, b) = try await twoTenants(database)
        let error = await #expect(throws: PostgresError.self) {
            try await database.withTenant(a) { session in
                try await session.execute("""
                    INSERT INTO users (tenant_id, email, full_name, role)
                    VALUES (\(b), \("intruder-\(UUID())@example.com"), 'x', 'member')
                    """)
            }
        }
        #expect(error?.isInsufficientPrivilege == true)
        #expect(try await count(database, b, "users") == 2)
    }

    @Test func withoutATenantNoTenantRowIsVisible() async throws {
        let database = Database(pool: try await TestDatabase.appPool())
        defer { Task { await database.pool.shutdown() } }
        _ = try await twoTenants(database)
        let tables = ["tenants", "users", "api_keys", "tenant_settings", "usage_log", "messages", "consent_ledger"]
        for table in tables {
            let visible = try await database.withPlatform { session in
                try await session.query("SELECT count(*) AS n FROM \(unescaped: table)").first!.decode("n", as: Int.self)
            }
            #expect(visible == 0, "\(table) leaks rows without a tenant")
        }
        // Global data stays readable.
        let plans = try await database.withPlatform { try await $0.query("SELECT id FROM plans").count }
        #expect(plans == 4)
    }

    @Test func pooledConnectionCarriesNoTenantIntoItsNextTransaction() async throws {
        // One connection, so the second transaction must reuse the first one's connection.
        let database = Database(pool: try await TestDatabase.appPool(maxConnections: 1))
        defer { Task { await database.pool.shutdown() } }
        let (a, _) = try await twoTenants(database)
        let firstPID = try await database.withTenant(a) { session in
            try await session.query("SELECT pg_backend_pid() AS pid").first!.decode("pid", as: Int.self)
        }
        let (pid, setting, users) = try await database.withPlatform { session in
            let row = try await session.query("""
                SELECT pg_backend_pid() AS pid, current_setting('app.tenant_id', true) AS setting,
                       (SELECT count(*) FROM users) AS users
                """).first!
            return (try row.decode("pid", as: Int.self), try row.decode("setting", as: String?.self), try row.decode("users", as: Int.self))
        }
        #expect(pid == firstPID)
        #expect(setting == nil || setting == "")
        #expect(users == 0)
    }

    @Test func theServerRoleCannotBypassRowSecurity() async throws {
        let database = Database(pool: try await TestDatabase.appPool())
        defer { Task { await database.pool.shutdown() } }
        let row = try await database.withPlatform { session in
            try await session.query("""
                SELECT rolbypassrls, rolsuper FROM pg_roles WHERE rolname = current_user
                """).first!
        }
        #expect(try row.decode("rolbypassrls", as: Bool.self) == false)
        #expect(try row.decode("rolsuper", as: Bool.self) == false)
        // Turning row security off does not bypass it: the query is refused instead.
        let error = await #expect(throws: PostgresError.self) {
            try await database.withPlatform { session in
                try await session.execute("SET LOCAL row_security = off")
                try await session.query("SELECT count(*) FROM users")
            }
        }
        #expect(error?.isInsufficientPrivilege == true)
    }
}
