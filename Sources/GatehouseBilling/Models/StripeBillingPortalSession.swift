/// A Stripe customer-portal session (`object: "billing_portal.session"`).
public struct StripeBillingPortalSession: Decodable, Sendable {
    public var id: String
    /// The page to send the customer to.
    public var url: String
    public var customer: String
    public var returnURL: String?
    /// Unix seconds.
    public var created: Int64

    enum CodingKeys: String, CodingKey {
        case id, url, customer, created
        case returnURL = "return_url"
    }
}
