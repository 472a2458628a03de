import Foundation

/// A Stripe subscription (`object: "subscription"`).
///
/// API versions from 2025-03-31 moved `current_period_start`/`_end` from the subscription to
/// its items; both places are read, the subscription's own first.
public struct StripeSubscription: Decodable, Sendable {
    /// One line of the subscription: a price and a quantity.
    public struct Item: Decodable, Sendable {
        public var id: String
        public var price: StripePrice
        public var quantity: Int?
        public var currentPeriodStart: Int64?
        public var currentPeriodEnd: Int64?

        enum CodingKeys: String, CodingKey {
            case id, price, quantity
            case currentPeriodStart = "current_period_start"
            case currentPeriodEnd = "current_period_end"
        }
    }

    public var id: String
    public var customer: String
    /// `incomplete`, `incomplete_expired`, `trialing`, `active`, `past_due`, `canceled`, `unpaid`, `paused`.
    public var status: String
    public var items: [Item]
    /// Unix seconds; from the subscription, else from its first item.
    public var currentPeriodStart: Int64?
    public var currentPeriodEnd: Int64?
    public var cancelAtPeriodEnd: Bool
    public var cancelAt: Int64?
    public var canceledAt: Int64?
    public var endedAt: Int64?
    public var created: Int64
    public var latestInvoice: String?
    public var metadata: [String: String]

    /// The first item's price (Gatehouse's subscriptions have exactly one item).
    public var price: StripePrice? { items.first?.price }

    public var currentPeriodEndDate: Date? {
        currentPeriodEnd.map { Date(timeIntervalSince1970: TimeInterval($0)) }
    }

    public var currentPeriodStartDate: Date? {
        currentPeriodStart.map { Date(timeIntervalSince1970: TimeInterval($0)) }
    }

    enum CodingKeys: String, CodingKey {
        case id, customer, status, items, created, metadata
        case currentPeriodStart = "current_period_start"
        case currentPeriodEnd = "current_period_end"
        case cancelAtPeriodEnd = "cancel_at_period_end"
        case cancelAt = "cancel_at"
        case canceledAt = "canceled_at"
        case endedAt = "ended_at"
        case latestInvoice = "latest_invoice"
    }

    private struct ItemList: Decodable { let data: [Item] }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        customer = try container.decodeExpandableID(forKey: .customer) ?? ""
        status = try container.decode(String.self, forKey: .status)
        items = try container.decodeIfPresent(ItemList.self, forKey: .items)?.data ?? []
        currentPeriodStart = try container.decodeIfPresent(Int64.self, forKey: .currentPeriodStart) ?? items.first?.currentPeriodStart
        currentPeriodEnd = try container.decodeIfPresent(Int64.self, forKey: .currentPeriodEnd) ?? items.first?.currentPeriodEnd
        cancelAtPeriodEnd = try container.decodeIfPresent(Bool.self, forKey: .cancelAtPeriodEnd) ?? false
        cancelAt = try container.decodeIfPresent(Int64.self, forKey: .cancelAt)
        canceledAt = try container.decodeIfPresent(Int64.self, forKey: .canceledAt)
        endedAt = try container.decodeIfPresent(Int64.self, forKey: .endedAt)
        created = try container.decodeIfPresent(Int64.self, forKey: .created) ?? 0
        latestInvoice = try container.decodeExpandableID(forKey: .latestInvoice)
        metadata = try container.decodeIfPresent([String: String].self, forKey: .metadata) ?? [:]
    }
}
