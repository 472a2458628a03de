/// What a plan allows a tenant. `maxSessions` and `maxMessagesPerMonth` are enforced when a
/// session is created or a message sent; the others are reported against usage.
public struct PlanLimits: Sendable, Equatable {
    public var maxSessions: Int
    public var maxMessagesPerMonth: Int
    public var maxGroups: Int
    public var maxLabels: Int
    public var aiRepliesPerMonth: Int

    public init(maxSessions: Int, maxMessagesPerMonth: Int, maxGroups: Int, maxLabels: Int, aiRepliesPerMonth: Int) {
        self.maxSessions = maxSessions
        self.maxMessagesPerMonth = maxMessagesPerMonth
        self.maxGroups = maxGroups
        self.maxLabels = maxLabels
        self.aiRepliesPerMonth = aiRepliesPerMonth
    }
}
