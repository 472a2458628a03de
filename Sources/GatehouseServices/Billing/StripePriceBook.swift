public import GatehouseCore
public import GatehouseStore

/// Which Stripe Price sells which plan on which cycle, both ways: the ids stored with the plans
/// (migration 0050: the simulator's `price_<plan>_<cycle>`) with the configured ones
/// (`STRIPE_PRICE_<PLAN>_<CYCLE>`, for real Stripe) on top.
public struct StripePriceBook: Sendable {
    private var priceByPlan: [String: String] = [:]
    private var planByPrice: [String: (planID: String, cycle: BillingCycle)] = [:]

    /// `overrides` is keyed `<plan>_<cycle>`, e.g. `pro_yearly`.
    public init(stored: [PlanPriceID], overrides: [String: String]) {
        var prices: [String: String] = [:]
        for price in stored { prices[Self.key(price.planID, price.cycle)] = price.priceID }
        for (key, price) in overrides { prices[key] = price }
        priceByPlan = prices
        for (key, price) in prices {
            guard let split = key.lastIndex(of: "_"), let cycle = BillingCycle(rawValue: String(key[key.index(after: split)...])) else { continue }
            planByPrice[price] = (String(key[..<split]), cycle)
        }
    }

    public static func key(_ planID: String, _ cycle: BillingCycle) -> String { "\(planID)_\(cycle.rawValue)" }

    /// The price that sells `planID` on `cycle`, if there is one.
    public func priceID(planID: String, cycle: BillingCycle) -> String? {
        priceByPlan[Self.key(planID, cycle)]
    }

    /// The plan and cycle a price sells, if it is one of ours.
    public func plan(priceID: String) -> (planID: String, cycle: BillingCycle)? {
        planByPrice[priceID]
    }
}
