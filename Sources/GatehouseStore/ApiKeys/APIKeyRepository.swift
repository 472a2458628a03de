import Foundation
import GatehouseCore

/// Self-service keys of one tenant (operator-managed keys, `managed = true`, are not reachable
/// here: their limits belong to the operator). Unknown ids, other tenants' ids and keys the
/// policy does not reach (`KeyGrantPolicy.scopeCeiling`) are nil. Every change appends its
/// audit event in its own transaction.
public protocol APIKeyRepository: Sendable {
    func create(tenantID: UUID, _ key: NewAPIKey, now: Date, audit: AuditEvent) async throws -> APIKeyRecord
    /// Newest first; `after` is the `cursor` of the last key of the previous page.
    func list(tenantID: UUID, includeRevoked: Bool, limit: Int, after: String?, reachableBy policy: KeyGrantPolicy,
              now: Date) async throws -> [APIKeyRecord]
    func get(tenantID: UUID, id: UUID, reachableBy policy: KeyGrantPolicy, now: Date) async throws -> APIKeyRecord?
    /// A changed `spendPeriod` starts a new period now with nothing used.
    func update(tenantID: UUID, id: UUID, _ changes: APIKeyChanges, reachableBy policy: KeyGrantPolicy, now: Date,
                audit: AuditEvent) async throws -> APIKeyRecord?
    /// Soft revoke; true when the key exists (revoking twice is fine, and audited once).
    func revoke(tenantID: UUID, id: UUID, reachableBy policy: KeyGrantPolicy, now: Date, audit: AuditEvent) async throws -> Bool
    /// New secret, same row; the old secret works until `now + graceSeconds` (0: stops at once).
    func rotate(tenantID: UUID, id: UUID, hash: Data, keyPrefix: String, graceSeconds: Int,
                reachableBy policy: KeyGrantPolicy, now: Date, audit: AuditEvent) async throws -> APIKeyRotation
    /// The scopes and limits of the key `keyID` (self-service or operator-managed) when it acts
    /// as a grantor; nil when there is no such key in the tenant.
    func grantor(tenantID: UUID, keyID: UUID) async throws -> KeyGrantPolicy.Grantor?
}

/// The result of a rotation.
public enum APIKeyRotation: Sendable {
    case rotated(APIKeyRecord)
    case notFound
    case revoked
}
