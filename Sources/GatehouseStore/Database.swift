import Foundation
import Postgres

/// The door to Gatehouse's data. Tenant-owned rows are reachable only through `withTenant` (and
/// its one-statement form `read(asTenant:_:)`), which opens a transaction and sets
/// `app.tenant_id` with `set_config(…, true)` (the same as `SET LOCAL`): row-level security then shows that tenant's rows and nothing else, and the
/// setting ends with the transaction, so a pooled connection carries no tenant into its next use.
/// `withPlatform` opens a transaction with no tenant: only global tables (plans) and the narrow
/// `platform_*` SECURITY DEFINER functions are usable there.
public struct Database: Sendable {
    public let pool: PostgresPool

    public init(pool: PostgresPool) {
        self.pool = pool
    }

    /// Runs `body` in a transaction scoped to `tenantID` (the scope is set in the same round
    /// trip as `BEGIN`).
    ///
    /// A transaction that Postgres aborted as a deadlock victim or a serialization failure
    /// (SQLSTATE 40P01 / 40001) changed nothing, so it is run once more from the start. `body`
    /// must therefore act only through `session` (every repository closure does).
    public func withTenant<T>(_ tenantID: UUID, _ body: (PostgresSession) async throws -> T) async throws -> T {
        try await PendingAdmission.current?.settle()
        do {
            return try await pool.withTransaction(prelude: [Self.scope(to: tenantID)], body)
        } catch let error as PostgresError where error.isSerializationFailure {
            return try await pool.withTransaction(prelude: [Self.scope(to: tenantID)], body)
        }
    }

    /// Runs one read statement scoped to `tenantID` in a single round trip: the scope and the
    /// statement form one implicit transaction, closed by its own sync point, so the setting
    /// ends with it exactly as in `withTenant`. For reads that are one statement.
    ///
    /// When the request's key hit is still pending (`PendingAdmission`) for this tenant, the hit
    /// goes first in the same flight, as its own implicit transaction; a refusal is thrown and
    /// the read's rows are never returned.
    public func read(asTenant tenantID: UUID, _ query: PostgresQuery) async throws -> PostgresRows {
        if let admission = PendingAdmission.current {
            if admission.tenantID == tenantID, admission.claim() {
                return try await read(asTenant: tenantID, query, after: admission)
            }
            try await admission.settle()
        }
        let read = { try await self.pool.withConnection { session in
            try await session.pipeline([[Self.scope(to: tenantID), query]])[0].get()[1]
        } }
        do {
            return try await read()
        } catch let error as PostgresError where error.isConnectionDropped {
            // The connection died under the read (the pool had found it alive: the server went
            // away just then). A read is safe to send again, once, on a fresh connection.
            return try await read()
        }
    }

    /// The hit and the read in one flight: two implicit transactions, two sync points.
    private func read(asTenant tenantID: UUID, _ query: PostgresQuery, after admission: PendingAdmission) async throws
        -> PostgresRows {
        let results: [Result<[PostgresRows], PostgresError>]
        do {
            results = try await pool.withConnection { session in
                try await session.pipeline([[admission.statement], [Self.scope(to: tenantID), query]])
            }
        } catch {
            try await admission.finish(.failure(error))
            throw error
        }
        try await admission.finish(results[0].map { $0[0] }.mapError { $0 as any Error })
        return try results[1].get()[1]
    }

    /// Runs `statements` scoped to `tenantID` as one implicit transaction in one round trip,
    /// committed without waiting for the WAL flush (`synchronous_commit = off`, for this
    /// transaction only). For counters on hot rows (an API key's), so that their row lock is
    /// never held across an fsync; the price is that a crash of the database server can forget
    /// the last few hundred milliseconds of such increments (the same trade-off as the hot
    /// path's counters, see sql/migrations/0003). Never for records that must survive.
    public func bumpCounters(asTenant tenantID: UUID, _ statements: [PostgresQuery]) async throws {
        try await PendingAdmission.current?.settle()
        let outcome = try await pool.withConnection { session in
            try await session.pipeline([
                [Self.scope(to: tenantID), "SELECT set_config('synchronous_commit', 'off', true)"] + statements,
            ])[0]
        }
        _ = try outcome.get()
    }

    /// The tenant scope: `set_config(…, true)` lasts until the end of the transaction.
    private static func scope(to tenantID: UUID) -> PostgresQuery {
        "SELECT set_config('app.tenant_id', \(tenantID.uuidString.lowercased()), true)"
    }

    /// Runs `body` in a transaction without a tenant (platform functions and global tables only).
    public func withPlatform<T>(_ body: (PostgresSession) async throws -> T) async throws -> T {
        try await PendingAdmission.current?.settle()
        return try await pool.withTransaction(body)
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
