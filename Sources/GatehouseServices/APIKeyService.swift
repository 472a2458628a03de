import Foundation
import GatehouseAuth
import GatehouseCore
import GatehouseStore

/// Creating and rotating self-service keys, shared by the JSON API and the console: the raw
/// key is minted here, only its HMAC and display prefix are stored, and the raw value goes
/// back to the caller once.
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

    /// Applies the rules (scopes limited to `held`) and creates the key; returns it with its raw value.
    public func create(tenantID: UUID, _ draft: Draft, held: Set<Scope>, createdBy userID: UUID?) async throws -> (APIKeyRecord, raw: String) {
        let name = try APIKeyRules.name(draft.name)
        let scopes = try APIKeyRules.grantable(draft.scopes, held: held)
        let days = try draft.expiresInDays.map(APIKeyRules.expiresInDays)
        let rpm = try APIKeyRules.rateLimit(draft.rateLimitRPM ?? APIKeyRules.defaultRateLimitRPM)
        let spendLimit = try draft.spendLimit.map(APIKeyRules.spendLimit)
        let period = try APIKeyRules.spendPeriod(draft.spendPeriod ?? "month")
        let now = clock()
        let raw = format.generate(.live)
        let record = try await repository.create(
            tenantID: tenantID,
            NewAPIKey(
                name: name, hash: hasher.hash(raw), keyPrefix: KeyFormat.displayPrefix(of: raw), scopes: scopes,
                expiresAt: days.map { now.addingTimeInterval(Double($0) * 86_400) },
                rateLimitRPM: rpm, spendLimit: spendLimit, spendPeriod: period, createdByUserID: userID),
            now: now)
        return (record, raw)
    }

    /// A new secret for the key; the old one keeps working for `graceSeconds`.
    public func rotate(tenantID: UUID, id: UUID, graceSeconds: Int) async throws -> (APIKeyRecord, raw: String) {
        let grace = try APIKeyRules.grace(graceSeconds)
        let raw = format.generate(.live)
        let result = try await repository.rotate(
            tenantID: tenantID, id: id, hash: hasher.hash(raw), keyPrefix: KeyFormat.displayPrefix(of: raw),
            graceSeconds: grace, now: clock())
        switch result {
        case .notFound: throw GatehouseError.notFound("API key")
        case .revoked: throw GatehouseError(.conflict, "A revoked key cannot be rotated.")
        case .rotated(let record): return (record, raw)
        }
    }
}
