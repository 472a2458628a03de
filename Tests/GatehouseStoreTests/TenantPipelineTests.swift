import Foundation
import GatehouseStore
import GatehouseTestSupport
import Postgres
import Testing

/// The tenant door's rule holds through a pipeline too: a scope set inside one implicit
/// transaction ends with it, and the connection carries no tenant into its next use.
@Suite("Tenant scope through a pipeline")
struct TenantPipelineTests {
    /// The tenant scope set with set_config(…, true) inside a segment shows that tenant's rows
    /// and ends with the segment: the next use of the connection sees no tenant.
    @Test func aTenantScopeEndsWithItsSegment() async throws {
        let database = Database(pool: try await TestDatabase.appPool(maxConnections: 1))
        defer { Task { await database.pool.shutdown() } }
        let a = try await TestTenant.create(in: database, name: "Pipeline A")
        let b = try await TestTenant.create(in: database, name: "Pipeline B")
        let results = try await database.pool.withConnection { session in
            try await session.pipeline([
                ["SELECT set_config('app.tenant_id', \(a.uuidString.lowercased()), true)", "SELECT id FROM tenants"],
                ["SELECT set_config('app.tenant_id', \(b.uuidString.lowercased()), true)", "SELECT id FROM tenants"],
                ["SELECT count(*)::int AS n FROM tenants",
                 "SELECT COALESCE(current_setting('app.tenant_id', true), '') AS tenant"],
            ])
        }
        #expect(try results[0].get()[1].map { try $0.decode("id", as: UUID.self) } == [a])
        #expect(try results[1].get()[1].map { try $0.decode("id", as: UUID.self) } == [b])
        let unscoped = try results[2].get()
        #expect(try unscoped[0].first!.decode("n", as: Int.self) == 0)
        #expect(try unscoped[1].first!.decode("tenant", as: String.self) == "")
        let after = try await database.pool.withConnection { session in
            try await session.query("SELECT COALESCE(current_setting('app.tenant_id', true), '') AS tenant").first!
        }
        #expect(try after.decode("tenant", as: String.self) == "")
    }

    @Test func aOneStatementReadSeesOnlyItsTenantAndLeavesNoScope() async throws {
        let database = Database(pool: try await TestDatabase.appPool(maxConnections: 1))
        defer { Task { await database.pool.shutdown() } }
        let a = try await TestTenant.create(in: database, name: "Read A")
        let b = try await TestTenant.create(in: database, name: "Read B")
        let seenByA = try await database.read(asTenant: a, "SELECT id FROM tenants").map { try $0.decode("id", as: UUID.self) }
        let seenByB = try await database.read(asTenant: b, "SELECT id FROM tenants").map { try $0.decode("id", as: UUID.self) }
        #expect(seenByA == [a])
        #expect(seenByB == [b])
        // One connection served both reads; it carries no tenant into its next use.
        let after = try await database.pool.withConnection { session in
            try await session.query("SELECT count(*)::int AS n, COALESCE(current_setting('app.tenant_id', true), '') AS tenant FROM tenants").first!
        }
        #expect(try after.decode("n", as: Int.self) == 0)
        #expect(try after.decode("tenant", as: String.self) == "")
        // A failing read is an error, not an empty answer, and the connection stays usable.
        await #expect(throws: PostgresError.self) {
            try await database.read(asTenant: a, "SELECT 1/0 AS boom")
        }
        #expect(try await database.read(asTenant: a, "SELECT count(*)::int AS n FROM tenants").first!.decode("n", as: Int.self) == 1)
    }
}
