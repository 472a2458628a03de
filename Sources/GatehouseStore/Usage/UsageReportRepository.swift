import Foundation

/// A tenant's usage as its plan and the `/usage` endpoints show it, read from the rollups
/// (`usage_daily`, `usage_session_daily`, `usage_meter_monthly`, `usage_meter_gauges`), never
/// by scanning the raw logs. Months and days are UTC.
public protocol UsageReportRepository: Sendable {
    /// Live sessions, messages sent this month, the groups and labels gauges, AI replies this
    /// month: the usage block of `GET /billing/subscription`.
    func planUsage(tenantID: UUID, now: Date) async throws -> PlanUsage
    /// The month containing `now`.
    func current(tenantID: UUID, now: Date) async throws -> UsageReport
    /// The `months` months up to and including the one containing `now`, newest first; months
    /// without usage are listed with zeros.
    func history(tenantID: UUID, now: Date, months: Int) async throws -> [UsageMonth]
    /// The days of the month starting at `monthStart` that have any usage, in order.
    func daily(tenantID: UUID, monthStart: Date) async throws -> [UsageDay]
    /// Records one event of the customer's own meter: stored in `meter_events` and added to
    /// the rollups (a gauge event older than the current value does not replace it).
    func record(tenantID: UUID, meter: UsageMeter, quantity: Int, at: Date) async throws -> UUID
}
