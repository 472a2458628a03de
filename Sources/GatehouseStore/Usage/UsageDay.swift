import Foundation

/// One UTC day of a tenant's usage, with the messages each session sent (`GET /usage/daily`).
public struct UsageDay: Sendable, Equatable {
    public struct Session: Sendable, Equatable {
        public var sessionID: UUID
        public var messagesSent: Int
    }

    /// `YYYY-MM-DD`.
    public var day: String
    public var apiCalls: Int
    public var messagesSent: Int
    public var cost: Decimal
    public var bySession: [Session]
}
