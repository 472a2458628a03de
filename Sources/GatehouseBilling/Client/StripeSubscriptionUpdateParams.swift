/// `POST /v1/subscriptions/{id}`: switch the price, schedule or undo a cancellation.
public struct StripeSubscriptionUpdateParams: Sendable {
    /// How a price switch is charged (`proration_behavior`).
    public enum ProrationBehavior: String, Sendable {
        case createProrations = "create_prorations"
        /// `none` (named so that it is never mistaken for `Optional.none`).
        case noProrations = "none"
        case alwaysInvoice = "always_invoice"
    }

    /// The item whose price changes (`items[0][id]`) and its new price (`items[0][price]`).
    public var itemID: String?
    public var price: String?
    public var cancelAtPeriodEnd: Bool?
    public var prorationBehavior: ProrationBehavior?
    /// Keys set in `metadata[…]` (an empty value removes a key, as on Stripe).
    public var metadata: [String: String]

    public init(
        itemID: String? = nil,
        price: String? = nil,
        cancelAtPeriodEnd: Bool? = nil,
        prorationBehavior: ProrationBehavior? = nil,
        metadata: [String: String] = [:]
    ) {
        self.itemID = itemID
        self.price = price
        self.cancelAtPeriodEnd = cancelAtPeriodEnd
        self.prorationBehavior = prorationBehavior
        self.metadata = metadata
    }

    /// Switches the subscription's one item to `price`.
    public static func switchPrice(itemID: String, to price: String,
                                   prorationBehavior: ProrationBehavior? = nil) -> Self {
        Self(itemID: itemID, price: price, prorationBehavior: prorationBehavior)
    }

    var form: StripeForm {
        var form = StripeForm()
        form.add("items[0][id]", itemID)
        form.add("items[0][price]", price)
        form.add("cancel_at_period_end", cancelAtPeriodEnd)
        form.add("proration_behavior", prorationBehavior?.rawValue)
        form.add("metadata", dictionary: metadata)
        return form
    }
}
