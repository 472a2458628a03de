import Foundation

/// A tenant's usage in the current UTC calendar month (`GET /usage/current`).
public struct UsageReport: Sendable, Equatable {
    public struct Session: Sendable, Equatable {
        public var sessionID: UUID
        public var name: String
        public var messagesSent: Int
    }

    /// First instant of the month, and of the next one.
    public var periodStart: Date
    public var periodEnd: Date
    /// Key-authenticated calls recorded in the usage log (admitted or refused by a limit).
    public var apiCalls: Int
    public var messagesSent: Int
    public var messagesReceived: Int
    /// Live sessions now.
    public var sessions: Int
    /// What admitted calls were charged.
    public var cost: Decimal
    public var aiReplies: Int
    /// Sessions that sent messages this month, most messages first.
    public var bySession: [Session]
}
