import GatehouseCore

/// The Stripe Price that sells a plan on a billing cycle.
public struct PlanPriceID: Sendable, Equatable {
    public var planID: String
    public var cycle: BillingCycle
    public var priceID: String

    public init(planID: String, cycle: BillingCycle, priceID: String) {
        self.planID = planID
        self.cycle = cycle
        self.priceID = priceID
    }
}
