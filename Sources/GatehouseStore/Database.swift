import Foundation
import Postgres

/// The door to Gatehouse's data. Tenant-owned rows are reachable only through `withTenant`,
/// which opens a transaction and sets `app.tenant_id` with `set_config(…, true)` (the same as
/// `SET LOCAL`): row-level security then shows that tenant's rows and nothing else, and the
/// setting ends with the transaction, so a pooled connection carries no tenant into its next use.
/// `withPlatform` opens a transaction with no tenant: only global tables (plans) and the narrow
/// `platform_*` SECURITY DEFINER functions are usable there.
public struct Database: Sendable {
    public let pool: PostgresPool

    public init(pool: PostgresPool) {
        self.pool = pool
    }

    /// Runs `body` in a transaction scoped to `tenantID`.
    ///
    /// A transaction that Postgres aborted as a deadlock victim or a serialization failure
    /// (SQLSTATE 40P01 / 40001) changed nothing, so it is run once more from the start. `body`
    /// must therefore act only through `session` (every repository closure does).
    public func withTenant<T>(_ tenantID: UUID, _ body: (PostgresSession) async throws -> T) async throws -> T {
        do {
            return try await withTenantOnce(tenantID, body)
        } catch let error as PostgresError where error.isSerializationFailure {
            return try await withTenantOnce(tenantID, body)
        }
    }

    private func withTenantOnce<T>(_ tenantID: UUID, _ body: (PostgresSession) async throws -> T) async throws -> T {
        try await pool.withTransaction { session in
            try await session.query("SELECT set_config('app.tenant_id', \(tenantID.uuidString.lowercased()), true)")
            return try await body(session)
        }
    }

    /// Runs `body` in a transaction without a tenant (platform functions and global tables only).
    public func withPlatform<T>(_ body: (PostgresSession) async throws -> T) async throws -> T {
        try await pool.withTransaction(body)
    }

    /// Whether the database answers a trivial query.
    public func isReachable() async -> Bool {
        do {
            return try await pool.withConnection { session in
                try await session.query("SELECT 1").count == 1
            }
        } catch {
            return false
        }
    }
}
