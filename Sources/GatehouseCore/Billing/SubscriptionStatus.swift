/// A subscription's status, with Stripe's names. A tenant without a paid subscription is
/// `active` on the free plan.
public enum SubscriptionStatus: String, Sendable, CaseIterable, Codable {
    case active
    case trialing
    case pastDue = "past_due"
    case unpaid
    case canceled
    case incomplete
    case incompleteExpired = "incomplete_expired"
    case paused

    /// Over for good: the tenant is back on the free plan.
    public var hasEnded: Bool { self == .canceled || self == .incompleteExpired }
}
