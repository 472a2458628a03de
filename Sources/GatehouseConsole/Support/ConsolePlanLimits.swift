/// The limits of a tenant's plan, as the usage page compares this month against them. The
/// console is handed a way to read them (the billing repository's subscription) at wiring.
public struct ConsolePlanLimits: Sendable, Equatable {
    public var planName: String
    public var messages: Int
    public var sessions: Int
    public var aiReplies: Int
    public var groups: Int
    public var labels: Int

    public init(planName: String, messages: Int, sessions: Int, aiReplies: Int, groups: Int, labels: Int) {
        self.planName = planName
        self.messages = messages
        self.sessions = sessions
        self.aiReplies = aiReplies
        self.groups = groups
        self.labels = labels
    }
}
