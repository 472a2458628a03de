import Foundation

/// One UTC calendar month of a tenant's usage (`GET /usage/history`).
public struct UsageMonth: Sendable, Equatable {
    /// `YYYY-MM`.
    public var month: String
    public var apiCalls: Int
    public var messagesSent: Int
    public var cost: Decimal
}
