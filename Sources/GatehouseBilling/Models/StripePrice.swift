/// A Stripe price (`object: "price"`), as found on a subscription item.
public struct StripePrice: Decodable, Sendable {
    /// `recurring` of a subscription price.
    public struct Recurring: Decodable, Sendable {
        /// `month` or `year` (also `day`, `week` on Stripe).
        public var interval: String
        public var intervalCount: Int?

        enum CodingKeys: String, CodingKey {
            case interval
            case intervalCount = "interval_count"
        }
    }

    public var id: String
    public var product: String?
    public var unitAmount: Int64?
    public var currency: String?
    public var recurring: Recurring?
    public var lookupKey: String?
    public var metadata: [String: String]

    enum CodingKeys: String, CodingKey {
        case id, product, currency, recurring, metadata
        case unitAmount = "unit_amount"
        case lookupKey = "lookup_key"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        product = try container.decodeExpandableID(forKey: .product)
        unitAmount = try container.decodeIfPresent(Int64.self, forKey: .unitAmount)
        currency = try container.decodeIfPresent(String.self, forKey: .currency)
        recurring = try container.decodeIfPresent(Recurring.self, forKey: .recurring)
        lookupKey = try container.decodeIfPresent(String.self, forKey: .lookupKey)
        metadata = try container.decodeIfPresent([String: String].self, forKey: .metadata) ?? [:]
    }
}
