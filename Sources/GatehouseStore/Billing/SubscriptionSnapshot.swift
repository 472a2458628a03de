import Foundation
import GatehouseCore

/// A Stripe subscription's current state as read from the Stripe API (never an event's copy),
/// translated to Gatehouse's plan and cycle.
public struct SubscriptionSnapshot: Sendable, Equatable {
    public var subscriptionID: String
    public var customerID: String
    public var planID: String
    public var billingCycle: BillingCycle
    public var status: SubscriptionStatus
    public var currentPeriodStart: Date?
    public var currentPeriodEnd: Date?
    public var cancelAtPeriodEnd: Bool
    /// When the read started: a read that started earlier never overwrites one that started later.
    public var readAt: Date

    public init(subscriptionID: String, customerID: String, planID: String, billingCycle: BillingCycle,
                status: SubscriptionStatus, currentPeriodStart: Date?, currentPeriodEnd: Date?,
                cancelAtPeriodEnd: Bool, readAt: Date) {
        self.subscriptionID = subscriptionID
        self.customerID = customerID
        self.planID = planID
        self.billingCycle = billingCycle
        self.status = status
        self.currentPeriodStart = currentPeriodStart
        self.currentPeriodEnd = currentPeriodEnd
        self.cancelAtPeriodEnd = cancelAtPeriodEnd
        self.readAt = readAt
    }
}
