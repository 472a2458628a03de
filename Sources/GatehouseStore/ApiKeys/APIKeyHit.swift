import Foundation

/// What the hot path (`platform_api_key_hit`) decided for one request, and what the response
/// headers need. Identity, limit and spend fields are set whenever the key was found.
public struct APIKeyHit: Sendable, Equatable {
    public enum Outcome: String, Sendable {
        case ok
        case notFound = "not_found"
        case revoked
        case inactive
        case expired
        case trialExpired = "trial_expired"
        case rateLimited = "rate_limited"
        case spendLimitExceeded = "spend_limit_exceeded"
        /// Not from the function: the call's cost would overflow the key's spend counter
        /// (`numeric(20,6)`), so it is refused and the key is left unchanged.
        case spendCounterFull = "spend_counter_full"
    }

    public var outcome: Outcome
    /// For `rateLimited`: `general`, `messages` or `sessions`.
    public var limitedBy: String?
    /// For `rateLimited`: when one more request would fit (at least 1).
    public var retryAfterMilliseconds: Int
    public var keyID: UUID?
    public var tenantID: UUID?
    public var scopes: [String]
    public var isTrial: Bool
    public var allowedNumbers: [String]
    public var createdByUserID: UUID?
    /// The general per-minute limit (0 = no cap), what is left of it, when the window rolls.
    public var rateLimit: Int?
    public var rateRemaining: Int?
    public var rateReset: Date?
    /// The extra class limit (nil = none or no cap), what is left, when its window rolls.
    public var classLimit: Int?
    public var classRemaining: Int?
    public var classReset: Date?
    /// Spend in the current period (this request included), the cap (nil = none), the rollover (nil = forever).
    public var spendUsed: Decimal?
    public var spendLimit: Decimal?
    public var spendReset: Date?
    /// What this request was charged (0 unless admitted).
    public var cost: Decimal

    public init(outcome: Outcome, limitedBy: String? = nil, retryAfterMilliseconds: Int = 0, keyID: UUID? = nil,
                tenantID: UUID? = nil, scopes: [String] = [], isTrial: Bool = false, allowedNumbers: [String] = [],
                createdByUserID: UUID? = nil, rateLimit: Int? = nil, rateRemaining: Int? = nil, rateReset: Date? = nil,
                classLimit: Int? = nil, classRemaining: Int? = nil, classReset: Date? = nil,
                spendUsed: Decimal? = nil, spendLimit: Decimal? = nil, spendReset: Date? = nil, cost: Decimal = 0) {
        self.outcome = outcome
        self.limitedBy = limitedBy
        self.retryAfterMilliseconds = retryAfterMilliseconds
        self.keyID = keyID
        self.tenantID = tenantID
        self.scopes = scopes
        self.isTrial = isTrial
        self.allowedNumbers = allowedNumbers
        self.createdByUserID = createdByUserID
        self.rateLimit = rateLimit
        self.rateRemaining = rateRemaining
        self.rateReset = rateReset
        self.classLimit = classLimit
        self.classRemaining = classRemaining
        self.classReset = classReset
        self.spendUsed = spendUsed
        self.spendLimit = spendLimit
        self.spendReset = spendReset
        self.cost = cost
    }
}
