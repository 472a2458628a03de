import Foundation

/// A self-service API key as the API shows it (never its hash). `isActive`, `spendPeriodUsed`
/// and `spendPeriodStart` are as of the time the row was read: an expired key is inactive, and
/// a spend period that has ended shows the new period with nothing used.
public struct APIKeyRecord: Sendable, Equatable {
    public var id: UUID
    public var name: String
    public var keyPrefix: String
    /// `standard`, `premium` or `trial`.
    public var type: String
    public var scopes: [String]
    public var isActive: Bool
    public var expiresAt: Date?
    public var createdAt: Date
    public var lastUsedAt: Date?
    public var rateLimitRPM: Int
    public var spendLimit: Decimal?
    /// `day`, `week`, `month` or `forever`.
    public var spendPeriod: String
    public var spendPeriodUsed: Decimal
    public var spendPeriodStart: Date
    public var revokedAt: Date?
    public var createdByUserID: UUID?
    /// Keyset position for pagination (opaque to callers).
    public var cursor: String
}
