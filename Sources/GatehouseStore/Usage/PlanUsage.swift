/// A tenant's usage against its plan's limits (the `usage` block of `GET /billing/subscription`).
public struct PlanUsage: Sendable, Equatable {
    /// Live (not deleted) messaging sessions now.
    public var sessions: Int
    /// Outbound messages sent in the current UTC calendar month.
    public var messagesThisMonth: Int
    /// The latest `groups` gauge reported through `POST /usage/events` (0 before any).
    public var groups: Int
    /// The latest `labels` gauge (0 before any).
    public var labels: Int
    /// `ai_replies` reported for the current UTC calendar month.
    public var aiRepliesThisMonth: Int

    public init(sessions: Int, messagesThisMonth: Int, groups: Int, labels: Int, aiRepliesThisMonth: Int) {
        self.sessions = sessions
        self.messagesThisMonth = messagesThisMonth
        self.groups = groups
        self.labels = labels
        self.aiRepliesThisMonth = aiRepliesThisMonth
    }
}
