/// How often a paid plan is charged.
public enum BillingCycle: String, Sendable, CaseIterable, Codable {
    case monthly
    case yearly
}
