import Foundation
import GatehouseCore

/// A tenant's subscription as Gatehouse holds it: the plan whose limits apply now, and the
/// state last read from Stripe.
public struct TenantSubscription: Sendable, Equatable {
    public var plan: Plan
    public var status: SubscriptionStatus
    public var billingCycle: BillingCycle
    public var currentPeriodEnd: Date?
    public var cancelAtPeriodEnd: Bool
    public var stripeCustomerID: String?
    public var stripeSubscriptionID: String?

    public init(plan: Plan, status: SubscriptionStatus, billingCycle: BillingCycle, currentPeriodEnd: Date?,
                cancelAtPeriodEnd: Bool, stripeCustomerID: String?, stripeSubscriptionID: String?) {
        self.plan = plan
        self.status = status
        self.billingCycle = billingCycle
        self.currentPeriodEnd = currentPeriodEnd
        self.cancelAtPeriodEnd = cancelAtPeriodEnd
        self.stripeCustomerID = stripeCustomerID
        self.stripeSubscriptionID = stripeSubscriptionID
    }

    /// Whether a paid Stripe subscription is running (a new checkout would make a second one).
    public var hasLivePaidSubscription: Bool {
        stripeSubscriptionID != nil && plan.isPaid && !status.hasEnded
    }
}
