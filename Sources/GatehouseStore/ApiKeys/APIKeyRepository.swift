import Foundation

/// Self-service keys of one tenant (operator-managed keys, `managed = true`, are not reachable
/// here: their limits belong to the operator). Unknown ids and other tenants' ids are nil.
public protocol APIKeyRepository: Sendable {
    func create(tenantID: UUID, _ key: NewAPIKey, now: Date) async throws -> APIKeyRecord
    /// Newest first; `after` is the `cursor` of the last key of the previous page.
    func list(tenantID: UUID, includeRevoked: Bool, limit: Int, after: String?, now: Date) async throws -> [APIKeyRecord]
    func get(tenantID: UUID, id: UUID, now: Date) async throws -> APIKeyRecord?
    /// A changed `spendPeriod` starts a new period now with nothing used.
    func update(tenantID: UUID, id: UUID, _ changes: APIKeyChanges, now: Date) async throws -> APIKeyRecord?
    /// Soft revoke; true when the key exists (revoking twice is fine).
    func revoke(tenantID: UUID, id: UUID, now: Date) async throws -> Bool
    /// New secret, same row; the old secret works until `now + graceSeconds` (0: stops at once).
    func rotate(tenantID: UUID, id: UUID, hash: Data, keyPrefix: String, graceSeconds: Int, now: Date) async throws -> APIKeyRotation
}

/// The result of a rotation.
public enum APIKeyRotation: Sendable {
    case rotated(APIKeyRecord)
    case notFound
    case revoked
}
