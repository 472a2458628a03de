import Foundation
import GatehouseCore

/// Tenant settings and the append-only consent ledger.
public protocol TenantSettingsRepository: Sendable {
    /// The tenant's settings (defaults when none were ever saved).
    func settings(tenantID: UUID) async throws -> TenantSettings
    /// Applies `changes`. A change of `ai_consent_enabled` appends an `ai_processing` consent
    /// record (version `1.0`) for `actor` in the same transaction, so the ledger and the
    /// setting never disagree; `audit` is appended to the audit log in that transaction too.
    func update(tenantID: UUID, _ changes: TenantSettingsChanges, actor: ConsentActor, audit: AuditEvent) async throws
        -> TenantSettings
    /// Consent records, newest first; up to `limit` and whether more follow.
    func consents(tenantID: UUID, limit: Int, after: KeysetPosition?) async throws
        -> (items: [(record: ConsentRecord, position: KeysetPosition)], hasMore: Bool)
}
