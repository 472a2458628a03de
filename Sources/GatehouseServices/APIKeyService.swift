import Foundation
import GatehouseAuth
import GatehouseCore
import GatehouseStore

/// Creating, changing and rotating self-service keys, shared by the JSON API and the console:
/// the input rules (`APIKeyRules`), the key-management rule (`KeyGrantPolicy`) and the audit
/// event of each change. The raw key is minted here, only its HMAC and display prefix are
/// stored, and the raw value goes back to the caller once.
public struct APIKeyService: Sendable {
    public let format: KeyFormat
    public let hasher: KeyHasher
    public let repository: any APIKeyRepository
    public let clock: @Sendable () -> Date

    public static let rawKeyWarning = "Save this key now: it will not be shown again."

    public init(format: KeyFormat, hasher: KeyHasher, repository: any APIKeyRepository, clock: @escaping @Sendable () -> Date) {
        self.format = format
        self.hasher = hasher
        self.repository = repository
        self.clock = clock
    }

    /// What a new key asks for, before the rules are applied.
    public struct Draft: Sendable {
        public var name: String
        public var scopes: [String]
        public var expiresInDays: Int?
        public var rateLimitRPM: Int?
        public var spendLimit: Money?
        public var spendPeriod: String?

        public init(name: String, scopes: [String], expiresInDays: Int? = nil, rateLimitRPM: Int? = nil,
                    spendLimit: Money? = nil, spendPeriod: String? = nil) {
            self.name = name
            self.scopes = scopes
            self.expiresInDays = expiresInDays
            self.rateLimitRPM = rateLimitRPM
            self.spendLimit = spendLimit
            self.spendPeriod = spendPeriod
        }
    }

    /// Applies the rules and creates the key (audited as `api_key.create` by `actor`); returns
    /// it with its raw value.
    public func create(tenantID: UUID, _ draft: Draft, policy: KeyGrantPolicy, createdBy userID: UUID?,
                       actor: AuditActor) async throws -> (APIKeyRecord, raw: String) {
        let name = try APIKeyRules.name(draft.name)
        let scopes = try policy.grantableScopes(draft.scopes)
        let days = try draft.expiresInDays.map(APIKeyRules.expiresInDays)
        let limits = KeyLimits(
            rateLimitRPM: try APIKeyRules.rateLimit(draft.rateLimitRPM ?? APIKeyRules.defaultRateLimitRPM),
            spendLimit: try draft.spendLimit.map(APIKeyRules.spendLimit),
            spendPeriod: try APIKeyRules.spendPeriod(draft.spendPeriod ?? "month"))
        try policy.checkNewKey(limits)
        let now = clock()
        let raw = format.generate(.live)
        let record = try await repository.create(
            tenantID: tenantID,
            NewAPIKey(
                name: name, hash: hasher.hash(raw), keyPrefix: KeyFormat.displayPrefix(of: raw), scopes: scopes,
                expiresAt: days.map { now.addingTimeInterval(Double($0) * 86_400) },
                rateLimitRPM: limits.rateLimitRPM, spendLimit: limits.spendLimit, spendPeriod: limits.spendPeriod,
                createdByUserID: userID),
            now: now,
            audit: AuditEvent(actor: actor, action: "api_key.create", changes: [
                "name": .string(name), "scopes": .strings(scopes), "expires_in_days": .optional(draft.expiresInDays),
                "rate_limit_rpm": .int(limits.rateLimitRPM), "spend_limit": .amount(limits.spendLimit),
                "spend_period": .string(limits.spendPeriod)]))
        return (record, raw)
    }

    /// Applies validated `changes` (their audit values in `audited`) to key `id`, after the
    /// policy allows the new limits; nil when the key is not reachable.
    public func update(tenantID: UUID, id: UUID, _ changes: APIKeyChanges, audited: [String: AuditValue],
                       policy: KeyGrantPolicy, actor: AuditActor) async throws -> APIKeyRecord? {
        let now = clock()
        guard let current = try await repository.get(tenantID: tenantID, id: id, reachableBy: policy, now: now) else { return nil }
        let currentLimits = KeyLimits(rateLimitRPM: current.rateLimitRPM, spendLimit: current.spendLimit,
                                      spendPeriod: current.spendPeriod)
        try policy.checkChange(ofKey: id, from: currentLimits, to: KeyLimits(
            rateLimitRPM: changes.rateLimitRPM ?? currentLimits.rateLimitRPM,
            spendLimit: changes.spendLimit ?? currentLimits.spendLimit,
            spendPeriod: changes.spendPeriod ?? currentLimits.spendPeriod))
        return try await repository.update(
            tenantID: tenantID, id: id, changes, reachableBy: policy, now: now,
            audit: AuditEvent(actor: actor, action: "api_key.update", changes: audited))
    }

    /// A new secret for the key; the old one keeps working for `graceSeconds`.
    public func rotate(tenantID: UUID, id: UUID, graceSeconds: Int, policy: KeyGrantPolicy,
                       actor: AuditActor) async throws -> (APIKeyRecord, raw: String) {
        let grace = try APIKeyRules.grace(graceSeconds)
        if case .key = policy.grantor {
            // The new secret is handed to the caller: it may not carry looser limits than its own.
            guard let target = try await repository.get(tenantID: tenantID, id: id, reachableBy: policy, now: clock())
            else { throw GatehouseError.notFound("API key") }
            try policy.checkNewKey(KeyLimits(rateLimitRPM: target.rateLimitRPM, spendLimit: target.spendLimit,
                                             spendPeriod: target.spendPeriod))
        }
        let raw = format.generate(.live)
        let result = try await repository.rotate(
            tenantID: tenantID, id: id, hash: hasher.hash(raw), keyPrefix: KeyFormat.displayPrefix(of: raw),
            graceSeconds: grace, reachableBy: policy, now: clock(),
            audit: AuditEvent(actor: actor, action: "api_key.rotate", changes: ["grace_seconds": .int(grace)]))
        switch result {
        case .notFound: throw GatehouseError.notFound("API key")
        case .revoked: throw GatehouseError(.conflict, "A revoked key cannot be rotated.")
        case .rotated(let record): return (record, raw)
        }
    }
}
