/// What the customer's own services report through `POST /usage/events`: `ai_replies` is a
/// counter (each event adds its quantity to its month), `groups` and `labels` are gauges (the
/// value of the latest event counts).
public enum UsageMeter: String, Sendable, CaseIterable {
    case aiReplies = "ai_replies"
    case groups
    case labels

    public var isGauge: Bool { self != .aiReplies }
}
