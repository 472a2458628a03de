import Foundation
import Postgres

extension SimulatorService {
    /// `POST /v1/checkout/sessions` (mode `subscription`, one line item).
    func createCheckoutSession(_ request: SimulatorRequest) async throws -> SimulatorResponse {
        let params = request.params
        let mode = try params.string("mode")
        guard mode == "subscription" else {
            throw mode == nil ? SimulatorError.missing("mode")
                : SimulatorError.invalidRequest("The Stripe simulator supports mode=subscription only.", param: "mode")
        }
        let priceID = try params.required("line_items", "0", "price")
        let quantity = try params.int("line_items", "0", "quantity") ?? 1
        guard (1...10_000).contains(quantity) else {
            throw SimulatorError.invalidRequest("Invalid quantity: must be at least 1.", param: "line_items[0][quantity]")
        }
        let customerID = try params.string("customer")
        let customerEmail = try params.string("customer_email")
        if customerID != nil && customerEmail != nil {
            throw SimulatorError.invalidRequest("You may only specify one of these parameters: customer, customer_email.", param: "customer_email")
        }
        let successURL = try params.required("success_url")
        let cancelURL = try params.string("cancel_url")
        try Self.checkURL(successURL, param: "success_url")
        if let cancelURL { try Self.checkURL(cancelURL, param: "cancel_url") }
        let clientReferenceID = try params.string("client_reference_id")
        if let clientReferenceID, clientReferenceID.count > 200 {
            throw SimulatorError.invalidRequest("client_reference_id must be at most 200 characters.", param: "client_reference_id")
        }
        let metadata = try params.dictionary("metadata") ?? [:]
        let subscriptionMetadata = try params.dictionary("subscription_data", "metadata") ?? [:]
        let expiresAt = try params.int("expires_at")

        return try await transaction { session in
            guard let price = try await SimPrice.find(priceID, in: session), price.active else {
                throw SimulatorError.noSuch("price", priceID, param: "line_items[0][price]")
            }
            var now = wallTime
            if let customerID {
                guard let customer = try await SimCustomer.find(customerID, in: session), !customer.deleted else {
                    throw SimulatorError.noSuch("customer", customerID, param: "customer")
                }
                now = try await self.now(testClock: customer.testClock, in: session)
            }
            if let expiresAt, !(now + 1_800...now + 86_400).contains(expiresAt) {
                throw SimulatorError.invalidRequest("expires_at must be between 30 minutes and 24 hours from now.", param: "expires_at")
            }
            let checkout = SimCheckoutSession(
                id: SimulatorID.make("cs_test", length: 58), customer: customerID, customerEmail: customerEmail,
                clientReferenceID: clientReferenceID, price: price, quantity: Int(quantity), successURL: successURL,
                cancelURL: cancelURL, metadata: metadata, subscriptionMetadata: subscriptionMetadata, created: now,
                expiresAt: expiresAt ?? now + 86_400)
            try await checkout.insert(in: session)
            return .json(checkout.json(pageURL: checkoutURL(checkout.id)))
        }
    }

    /// `GET /v1/checkout/sessions/{id}`.
    func retrieveCheckoutSession(_ request: SimulatorRequest) async throws -> SimulatorResponse {
        let id = try request.requiredID
        return try await transaction { session in
            let checkout = try await loadCheckout(id, in: session)
            return .json(checkout.json(pageURL: checkoutURL(checkout.id)))
        }
    }

    /// `POST /v1/checkout/sessions/{id}/expire`.
    func expireCheckoutSession(_ request: SimulatorRequest) async throws -> SimulatorResponse {
        let id = try request.requiredID
        return try await transaction { session in
            var checkout = try await loadCheckout(id, in: session)
            guard checkout.status == "open" else {
                throw SimulatorError.invalidRequest(
                    "Only Checkout Sessions with a status in [\"open\"] can be expired. This session has status \"\(checkout.status)\".")
            }
            try await expire(&checkout, at: try await checkoutTime(checkout, in: session), in: session)
            return .json(checkout.json(pageURL: checkoutURL(checkout.id)))
        }
    }

    /// A session, locked, marked `expired` first when its time is up.
    func loadCheckout(_ id: String, in session: PostgresSession) async throws -> SimCheckoutSession {
        guard var checkout = try await SimCheckoutSession.find(id, in: session, forUpdate: true) else {
            throw SimulatorError.noSuch("checkout.session", id)
        }
        let now = try await checkoutTime(checkout, in: session)
        if checkout.status == "open" && now >= checkout.expiresAt {
            try await expire(&checkout, at: now, in: session)
        }
        return checkout
    }

    /// The time a session lives at (its customer's test clock, if any).
    func checkoutTime(_ checkout: SimCheckoutSession, in session: PostgresSession) async throws -> Int64 {
        guard let customerID = checkout.customer, let customer = try await SimCustomer.find(customerID, in: session) else {
            return wallTime
        }
        return try await now(testClock: customer.testClock, in: session)
    }

    private func expire(_ checkout: inout SimCheckoutSession, at now: Int64, in session: PostgresSession) async throws {
        checkout.status = "expired"
        try await checkout.save(in: session)
        try await events.record("checkout.session.expired", object: checkout.json(pageURL: checkoutURL(checkout.id)),
                                created: now, in: session)
    }

    /// Pays an open session with a card that charges: the customer (created when the session
    /// has none), the subscription and its first invoice, then `checkout.session.completed`.
    func complete(_ checkout: inout SimCheckoutSession, email: String?, name: String?, cardLast4: String,
                  in session: PostgresSession) async throws {
        var customer: SimCustomer
        var now = wallTime
        if let customerID = checkout.customer, let existing = try await SimCustomer.find(customerID, in: session, forUpdate: true) {
            customer = existing
            now = try await self.now(testClock: customer.testClock, in: session)
        } else {
            customer = SimCustomer(id: SimulatorID.make("cus", length: 14), email: email ?? checkout.customerEmail, name: name,
                                   description: nil, metadata: [:], testClock: nil, created: now)
            try await customer.insert(in: session)
            try await events.record("customer.created", object: customer.json, created: now, in: session)
        }
        customer.cardLast4 = cardLast4
        customer.cardDeclines = false
        try await customer.save(in: session)
        let subscription = try await billing.subscribe(customer: customer, price: checkout.price, quantity: checkout.quantity,
                                                       metadata: checkout.subscriptionMetadata, at: now, in: session)
        checkout.status = "complete"
        checkout.paymentStatus = "paid"
        checkout.customer = customer.id
        checkout.customerEmail = checkout.customerEmail ?? customer.email
        checkout.subscription = subscription.id
        checkout.invoice = subscription.latestInvoice
        try await checkout.save(in: session)
        try await events.record("checkout.session.completed", object: checkout.json(pageURL: checkoutURL(checkout.id)),
                                created: now, in: session)
    }

    static func checkURL(_ text: String, param: String) throws(SimulatorError) {
        let concrete = text.replacingOccurrences(of: "{CHECKOUT_SESSION_ID}", with: "cs_test")
        guard let url = URL(string: concrete), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
              url.host != nil else {
            throw SimulatorError.invalidRequest("Not a valid URL", param: param, code: "url_invalid")
        }
    }
}
