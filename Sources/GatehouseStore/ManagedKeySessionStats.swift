/// What a key's sessions add up to (deleted sessions included in the totals).
public struct ManagedKeySessionStats: Sendable, Equatable {
    public var totalSessions: Int
    /// Sessions not deleted.
    public var activeSessions: Int
    public var messagesSent: Int
    public var messagesReceived: Int

    public init(totalSessions: Int, activeSessions: Int, messagesSent: Int, messagesReceived: Int) {
        self.totalSessions = totalSessions
        self.activeSessions = activeSessions
        self.messagesSent = messagesSent
        self.messagesReceived = messagesReceived
    }

    public static let zero = ManagedKeySessionStats(totalSessions: 0, activeSessions: 0, messagesSent: 0, messagesReceived: 0)
}
