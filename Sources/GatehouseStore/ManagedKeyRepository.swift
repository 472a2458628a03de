import Foundation
import GatehouseCore

/// The operator's view of tenant API keys across tenants (`/admin`). Cross-tenant reads go
/// through the narrow `platform_*` functions; every change happens inside the key's tenant scope.
/// Domain refusals are thrown as `GatehouseError` (404 unknown key, 409 not a trial, 422 unknown tenant).
/// Every change appends its audit event (to the key's tenant) in the same transaction.
public protocol ManagedKeyRepository: Sendable {
    func create(_ draft: ManagedKeyDraft, audit: AuditEvent) async throws -> ManagedKey
    /// Keys across tenants ordered by `(created_at, id)`; `type` is `standard`, `premium`,
    /// `trial` or nil. Returns up to `limit` rows and whether more follow.
    func list(includeInactive: Bool, type: String?, limit: Int, after: KeysetPosition?) async throws
        -> (items: [ManagedKeyListing], hasMore: Bool)
    func key(id: UUID) async throws -> ManagedKey?
    func update(id: UUID, _ changes: ManagedKeyChanges, audit: AuditEvent) async throws -> ManagedKey?
    func setActive(id: UUID, _ active: Bool, audit: AuditEvent) async throws -> ManagedKey?
    /// Deletes the key for good; its live sessions are ended. False when there was no such key.
    func delete(id: UUID, audit: AuditEvent) async throws -> Bool
    /// Adds days to a trial's expiry (from now if it has already passed); 409 if not a trial.
    func extendTrial(id: UUID, days: Int, audit: AuditEvent) async throws -> ManagedKey?
    /// Lifts the trial restrictions, keeping id and history; 409 if not a trial.
    func convertToPaid(id: UUID, _ conversion: ManagedKeyConversion, audit: AuditEvent) async throws -> ManagedKey?
    /// The key's sessions (newest first) and their totals.
    func sessionUsage(id: UUID) async throws -> (key: ManagedKey, stats: ManagedKeySessionStats, sessions: [MessagingSession])?
    /// Platform-wide totals for `GET /admin/usage`.
    func totals() async throws -> ManagedKeyTotals
}
