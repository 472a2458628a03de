import Foundation
import GatehouseCore

/// Reads the audit log (newest first, keyset paged), and records an event on its own where a
/// change cannot share its transaction (repositories that change data call `AuditLog.append`
/// in theirs).
public protocol AuditEventRepository: Sendable {
    /// Appends `event` to the tenant's log in a transaction of its own.
    func record(_ event: AuditEvent, tenantID: UUID) async throws
    /// One tenant's events.
    func list(tenantID: UUID, _ filter: AuditEventFilter, limit: Int, before: KeysetPosition?) async throws
        -> (items: [(record: AuditEventRecord, position: KeysetPosition)], hasMore: Bool)
    /// Every tenant's events and the platform's (operators only).
    func listAll(_ filter: AuditEventFilter, limit: Int, before: KeysetPosition?) async throws
        -> (items: [(record: AuditEventRecord, position: KeysetPosition)], hasMore: Bool)
}
