import Foundation

/// Writes batches of usage entries and reads a key's usage back.
public protocol UsageLogRepository: Sendable {
    /// Appends `entries` of one tenant to `usage_log` and adds them to the `usage_daily` rollups,
    /// in one transaction.
    func append(tenantID: UUID, _ entries: [UsageLogEntry]) async throws
    /// Totals and breakdowns of a key's usage from the rollups, for UTC days >= `sinceDay`.
    func summary(tenantID: UUID, keyID: UUID, sinceDay: Date) async throws -> UsageSummary
    /// The key's latest calls, newest first.
    func recent(tenantID: UUID, keyID: UUID, limit: Int) async throws -> [RecentUsage]
}
