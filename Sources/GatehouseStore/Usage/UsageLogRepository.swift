import Foundation

/// Writes batches of usage entries and reads a key's usage back.
public protocol UsageLogRepository: Sendable {
    /// Appends `entries` (of any tenants) to `usage_log` and adds them to the `usage_daily`
    /// rollups, in one statement. Entries whose key is not their tenant's own are skipped.
    /// Returns how many were written.
    @discardableResult
    func append(_ entries: [UsageLogEntry]) async throws -> Int
    /// Keeps an entry that cannot be written (it fails on its own) in `usage_dead_letters`, with the error.
    func setAside(_ entry: UsageLogEntry, error: String) async throws
    /// Totals and breakdowns of a key's usage from the rollups, for UTC days >= `sinceDay`.
    func summary(tenantID: UUID, keyID: UUID, sinceDay: Date) async throws -> UsageSummary
    /// The key's latest calls, newest first.
    func recent(tenantID: UUID, keyID: UUID, limit: Int) async throws -> [RecentUsage]
}
