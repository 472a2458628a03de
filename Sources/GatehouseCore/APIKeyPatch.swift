/// The body of `PATCH /api-keys/{id}`, decoded by hand because `"spend_limit": null` (remove the
/// cap) must differ from an absent `spend_limit` (keep it), which generated types cannot tell.
/// Scopes stay strings here so an unknown one is answered with a 422 naming it.
public struct APIKeyPatch: Codable, Hashable, Sendable {
    public var name: String?
    public var scopes: [String]?
    public var rateLimitRPM: Int?
    /// True when the body had `spend_limit` at all (then `spendLimit` nil means "remove the cap").
    public var spendLimitPresent: Bool
    public var spendLimit: Money?
    public var spendPeriod: String?

    public init(name: String? = nil, scopes: [String]? = nil, rateLimitRPM: Int? = nil, spendLimitPresent: Bool = false,
                spendLimit: Money? = nil, spendPeriod: String? = nil) {
        self.name = name
        self.scopes = scopes
        self.rateLimitRPM = rateLimitRPM
        self.spendLimitPresent = spendLimitPresent
        self.spendLimit = spendLimit
        self.spendPeriod = spendPeriod
    }

    private enum CodingKeys: String, CodingKey {
        case name
        case scopes
        case rateLimitRPM = "rate_limit_rpm"
        case spendLimit = "spend_limit"
        case spendPeriod = "spend_period"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decodeIfPresent(String.self, forKey: .name)
        scopes = try container.decodeIfPresent([String].self, forKey: .scopes)
        rateLimitRPM = try container.decodeIfPresent(Int.self, forKey: .rateLimitRPM)
        spendPeriod = try container.decodeIfPresent(String.self, forKey: .spendPeriod)
        spendLimitPresent = container.contains(.spendLimit)
        spendLimit = try container.decodeIfPresent(Money.self, forKey: .spendLimit)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(name, forKey: .name)
        try container.encodeIfPresent(scopes, forKey: .scopes)
        try container.encodeIfPresent(rateLimitRPM, forKey: .rateLimitRPM)
        try container.encodeIfPresent(spendPeriod, forKey: .spendPeriod)
        if spendLimitPresent {
            if let spendLimit { try container.encode(spendLimit, forKey: .spendLimit) } else { try container.encodeNil(forKey: .spendLimit) }
        }
    }
}
