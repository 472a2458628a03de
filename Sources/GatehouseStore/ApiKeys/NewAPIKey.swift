import Foundation

/// What creating a key stores.
public struct NewAPIKey: Sendable {
    public var name: String
    public var hash: Data
    public var keyPrefix: String
    public var scopes: [String]
    public var expiresAt: Date?
    public var rateLimitRPM: Int
    public var spendLimit: Decimal?
    public var spendPeriod: String
    public var createdByUserID: UUID?

    public init(name: String, hash: Data, keyPrefix: String, scopes: [String], expiresAt: Date?, rateLimitRPM: Int,
                spendLimit: Decimal?, spendPeriod: String, createdByUserID: UUID?) {
        self.name = name
        self.hash = hash
        self.keyPrefix = keyPrefix
        self.scopes = scopes
        self.expiresAt = expiresAt
        self.rateLimitRPM = rateLimitRPM
        self.spendLimit = spendLimit
        self.spendPeriod = spendPeriod
        self.createdByUserID = createdByUserID
    }
}
