/// What applying a Stripe subscription state did.
public enum SubscriptionApplyOutcome: Sendable, Equatable {
    /// Stored; `previousPlanID` is the plan before (equal to the new one when only the status,
    /// cycle or period changed).
    case applied(previousPlanID: String, planID: String)
    /// The event was applied before: nothing changed.
    case duplicate
    /// Nothing to change: a newer read is stored, or the subscription is not (or no longer)
    /// the tenant's.
    case ignored
}
