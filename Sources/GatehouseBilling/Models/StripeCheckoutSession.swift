import Foundation

/// A Stripe Checkout Session (`object: "checkout.session"`).
public struct StripeCheckoutSession: Decodable, Sendable {
    public var id: String
    /// The page to send the customer to (nil once the session is complete or expired).
    public var url: String?
    /// `open`, `complete` or `expired`.
    public var status: String?
    /// `paid`, `unpaid` or `no_payment_required`.
    public var paymentStatus: String?
    public var mode: String?
    public var customer: String?
    public var customerEmail: String?
    public var subscription: String?
    public var clientReferenceID: String?
    public var successURL: String?
    public var cancelURL: String?
    public var metadata: [String: String]
    /// Unix seconds.
    public var created: Int64
    public var expiresAt: Int64?

    enum CodingKeys: String, CodingKey {
        case id, url, status, mode, customer, subscription, metadata, created
        case paymentStatus = "payment_status"
        case customerEmail = "customer_email"
        case clientReferenceID = "client_reference_id"
        case successURL = "success_url"
        case cancelURL = "cancel_url"
        case expiresAt = "expires_at"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        url = try container.decodeIfPresent(String.self, forKey: .url)
        status = try container.decodeIfPresent(String.self, forKey: .status)
        paymentStatus = try container.decodeIfPresent(String.self, forKey: .paymentStatus)
        mode = try container.decodeIfPresent(String.self, forKey: .mode)
        customer = try container.decodeExpandableID(forKey: .customer)
        customerEmail = try container.decodeIfPresent(String.self, forKey: .customerEmail)
        subscription = try container.decodeExpandableID(forKey: .subscription)
        clientReferenceID = try container.decodeIfPresent(String.self, forKey: .clientReferenceID)
        successURL = try container.decodeIfPresent(String.self, forKey: .successURL)
        cancelURL = try container.decodeIfPresent(String.self, forKey: .cancelURL)
        metadata = try container.decodeIfPresent([String: String].self, forKey: .metadata) ?? [:]
        created = try container.decodeIfPresent(Int64.self, forKey: .created) ?? 0
        expiresAt = try container.decodeIfPresent(Int64.self, forKey: .expiresAt)
    }
}
