/// A plan of the catalogue (`free`, `starter`, `pro`, `business`), with its prices and limits.
public struct Plan: Sendable, Equatable, Identifiable {
    /// The plan every tenant starts on, and returns to when a paid subscription ends.
    public static let freeID = "free"

    public var id: String
    public var displayName: String
    /// Prices in `currency` (USD) per month and per year.
    public var priceMonthly: Money
    public var priceYearly: Money
    public var currency: String
    public var limits: PlanLimits

    public init(id: String, displayName: String, priceMonthly: Money, priceYearly: Money, currency: String, limits: PlanLimits) {
        self.id = id
        self.displayName = displayName
        self.priceMonthly = priceMonthly
        self.priceYearly = priceYearly
        self.currency = currency
        self.limits = limits
    }

    /// Whether a checkout can sell it (the free plan is never bought).
    public var isPaid: Bool { id != Plan.freeID }
}
