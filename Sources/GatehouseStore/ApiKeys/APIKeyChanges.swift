import Foundation

/// A PATCH of a key: nil = unchanged. `spendLimit` is a double optional: `.some(nil)` removes the cap.
public struct APIKeyChanges: Sendable {
    public var name: String?
    public var scopes: [String]?
    public var rateLimitRPM: Int?
    public var spendLimit: Decimal??
    public var spendPeriod: String?

    public init(name: String? = nil, scopes: [String]? = nil, rateLimitRPM: Int? = nil, spendLimit: Decimal?? = nil,
                spendPeriod: String? = nil) {
        self.name = name
        self.scopes = scopes
        self.rateLimitRPM = rateLimitRPM
        self.spendLimit = spendLimit
        self.spendPeriod = spendPeriod
    }
}
