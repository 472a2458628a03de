import Foundation
import GatehouseCore
import Postgres

/// `stripe_sim.checkout_sessions`: a subscription checkout for one price, paid on the
/// simulator's checkout page.
struct SimCheckoutSession: Sendable {
    var id: String
    var status: String
    var paymentStatus: String
    var customer: String?
    var customerEmail: String?
    var clientReferenceID: String?
    var price: SimPrice
    var quantity: Int
    var successURL: String
    var cancelURL: String?
    var metadata: [String: String]
    var subscriptionMetadata: [String: String]
    var subscription: String?
    var invoice: String?
    var created: Int64
    var expiresAt: Int64

    static let columns = """
        id, status, payment_status, customer, customer_email, client_reference_id, price, quantity, success_url,
        cancel_url, metadata, subscription_metadata, subscription, invoice, created, expires_at
        """

    init(id: String, customer: String?, customerEmail: String?, clientReferenceID: String?, price: SimPrice,
         quantity: Int, successURL: String, cancelURL: String?, metadata: [String: String],
         subscriptionMetadata: [String: String], created: Int64, expiresAt: Int64) {
        self.id = id
        self.status = "open"
        self.paymentStatus = "unpaid"
        self.customer = customer
        self.customerEmail = customerEmail
        self.clientReferenceID = clientReferenceID
        self.price = price
        self.quantity = quantity
        self.successURL = successURL
        self.cancelURL = cancelURL
        self.metadata = metadata
        self.subscriptionMetadata = subscriptionMetadata
        self.created = created
        self.expiresAt = expiresAt
    }

    init(_ row: PostgresRow, price: SimPrice) throws {
        id = try row.decode("id")
        status = try row.decode("status")
        paymentStatus = try row.decode("payment_status")
        customer = try row.decode("customer")
        customerEmail = try row.decode("customer_email")
        clientReferenceID = try row.decode("client_reference_id")
        self.price = price
        quantity = try row.decode("quantity")
        successURL = try row.decode("success_url")
        cancelURL = try row.decode("cancel_url")
        metadata = try row.metadata("metadata")
        subscriptionMetadata = try row.metadata("subscription_metadata")
        subscription = try row.decode("subscription")
        invoice = try row.decode("invoice")
        created = try row.decode("created")
        expiresAt = try row.decode("expires_at")
    }

    static func find(_ id: String, in session: PostgresSession, forUpdate: Bool = false) async throws -> SimCheckoutSession? {
        guard let row = try await session.query(
            "SELECT \(unescaped: columns) FROM stripe_sim.checkout_sessions WHERE id = \(id) \(unescaped: forUpdate ? "FOR UPDATE" : "")"
        ).first, let price = try await SimPrice.find(try row.decode("price"), in: session) else { return nil }
        return try SimCheckoutSession(row, price: price)
    }

    func insert(in session: PostgresSession) async throws {
        try await session.execute("""
            INSERT INTO stripe_sim.checkout_sessions (mode, \(unescaped: Self.columns))
            VALUES ('subscription', \(id), \(status), \(paymentStatus), \(customer), \(customerEmail), \(clientReferenceID),
                    \(price.id), \(quantity), \(successURL), \(cancelURL), \(PostgresJSON(metadata: metadata)),
                    \(PostgresJSON(metadata: subscriptionMetadata)), \(subscription), \(invoice), \(created), \(expiresAt))
            """)
    }

    func save(in session: PostgresSession) async throws {
        try await session.execute("""
            UPDATE stripe_sim.checkout_sessions
               SET status = \(status), payment_status = \(paymentStatus), customer = \(customer), customer_email = \(customerEmail),
                   subscription = \(subscription), invoice = \(invoice)
             WHERE id = \(id)
            """)
    }

    /// `success_url` with Stripe's `{CHECKOUT_SESSION_ID}` template filled in.
    var resolvedSuccessURL: String { successURL.replacingOccurrences(of: "{CHECKOUT_SESSION_ID}", with: id) }

    func json(pageURL: String) -> JSONValue {
        let amount = price.unitAmount * Int64(quantity)
        return [
            "id": .string(id), "object": "checkout.session",
            "after_expiration": nil, "allow_promotion_codes": nil, "amount_subtotal": .int(amount),
            "amount_total": .int(amount), "automatic_tax": ["enabled": false, "liability": nil, "status": nil],
            "billing_address_collection": nil, "cancel_url": .nullable(cancelURL),
            "client_reference_id": .nullable(clientReferenceID), "client_secret": nil, "consent": nil,
            "consent_collection": nil, "created": .int(created), "currency": .string(price.currency),
            "custom_fields": [], "custom_text": nil, "customer": .nullable(customer),
            "customer_creation": .nullable(customer == nil ? "always" : nil),
            "customer_details": status == "complete" ? ["email": .nullable(customerEmail), "name": nil, "phone": nil,
                                                        "tax_exempt": "none", "tax_ids": []] : nil,
            "customer_email": .nullable(customerEmail), "expires_at": .int(expiresAt),
            "invoice": .nullable(invoice), "invoice_creation": nil, "livemode": false, "locale": nil,
            "metadata": .metadata(metadata), "mode": "subscription", "payment_intent": nil, "payment_link": nil,
            "payment_method_collection": "always", "payment_method_options": [:], "payment_method_types": ["card"],
            "payment_status": .string(paymentStatus), "phone_number_collection": ["enabled": false],
            "recovered_from": nil, "setup_intent": nil, "shipping_address_collection": nil, "shipping_cost": nil,
            "shipping_options": [], "status": .string(status), "submit_type": nil,
            "subscription": .nullable(subscription), "success_url": .string(successURL),
            "total_details": ["amount_discount": 0, "amount_shipping": 0, "amount_tax": 0],
            "ui_mode": "hosted", "url": .nullable(status == "open" ? pageURL : nil),
        ]
    }
}
