import Foundation

/// `POST /v1/checkout/sessions` in `subscription` mode for one price.
public struct StripeCheckoutSessionParams: Sendable {
    /// The price to subscribe to (`line_items[0][price]`).
    public var price: String
    public var quantity: Int
    /// An existing customer; otherwise Checkout creates one (with `customerEmail` prefilled).
    public var customer: String?
    public var customerEmail: String?
    /// Your own reference (e.g. the tenant id), returned on the completed session.
    public var clientReferenceID: String?
    /// `{CHECKOUT_SESSION_ID}` in it is replaced by the session's id.
    public var successURL: String
    public var cancelURL: String
    /// The session's `metadata[…]`.
    public var metadata: [String: String]
    /// `subscription_data[metadata][…]`: copied onto the subscription Checkout creates.
    public var subscriptionMetadata: [String: String]
    /// When the session expires (Stripe allows 30 minutes to 24 hours; default 24 hours).
    public var expiresAt: Date?

    public init(
        price: String,
        quantity: Int = 1,
        customer: String? = nil,
        customerEmail: String? = nil,
        clientReferenceID: String? = nil,
        successURL: String,
        cancelURL: String,
        metadata: [String: String] = [:],
        subscriptionMetadata: [String: String] = [:],
        expiresAt: Date? = nil
    ) {
        self.price = price
        self.quantity = quantity
        self.customer = customer
        self.customerEmail = customerEmail
        self.clientReferenceID = clientReferenceID
        self.successURL = successURL
        self.cancelURL = cancelURL
        self.metadata = metadata
        self.subscriptionMetadata = subscriptionMetadata
        self.expiresAt = expiresAt
    }

    var form: StripeForm {
        var form = StripeForm()
        form.add("mode", "subscription")
        form.add("line_items[0][price]", price)
        form.add("line_items[0][quantity]", quantity)
        form.add("customer", customer)
        form.add("customer_email", customer == nil ? customerEmail : nil)
        form.add("client_reference_id", clientReferenceID)
        form.add("success_url", successURL)
        form.add("cancel_url", cancelURL)
        form.add("metadata", dictionary: metadata)
        form.add("subscription_data[metadata]", dictionary: subscriptionMetadata)
        form.add("expires_at", expiresAt.map { Int($0.timeIntervalSince1970) })
        return form
    }
}
