/// A tenant's usage against its plan's limits: live sessions, outbound messages of the
/// current UTC month, the latest `groups` and `labels` gauges, and AI replies this month.
public struct BillingUsage: Sendable, Equatable {
    public var sessions: Int
    public var messagesThisMonth: Int
    public var groups: Int
    public var labels: Int
    public var aiRepliesThisMonth: Int

    public init(sessions: Int, messagesThisMonth: Int, groups: Int, labels: Int, aiRepliesThisMonth: Int) {
        self.sessions = sessions
        self.messagesThisMonth = messagesThisMonth
        self.groups = groups
        self.labels = labels
        self.aiRepliesThisMonth = aiRepliesThisMonth
    }
}
