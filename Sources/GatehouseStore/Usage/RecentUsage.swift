import Foundation

/// One row of `usage_log`.
public struct RecentUsage: Sendable, Equatable {
    public var id: UUID
    public var endpoint: String
    public var statusCode: Int
    public var cost: Decimal
    public var tokensIn: Int
    public var tokensOut: Int
    public var model: String?
    public var durationMilliseconds: Int
    public var createdAt: Date
}
