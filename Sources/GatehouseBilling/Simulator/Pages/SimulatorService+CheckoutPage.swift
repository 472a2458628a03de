import Postgres

extension SimulatorService {
    /// `GET /checkout/{id}`: the payment page of an open session.
    func checkoutPage(_ request: SimulatorRequest) async throws -> SimulatorResponse {
        let id = try request.requiredID
        return try await transaction { session in
            let checkout = try await loadCheckout(id, in: session)
            return try await checkoutPageResponse(checkout, error: nil, status: 200, in: session)
        }
    }

    /// `POST /checkout/{id}` (`card_number`, `email`, `name`): pays with a test card. A card
    /// that pays completes the session and redirects to `success_url`; any other answers the
    /// page again with the reason, and nothing changes.
    func payCheckout(_ request: SimulatorRequest) async throws -> SimulatorResponse {
        let id = try request.requiredID
        let cardNumber = try request.params.string("card_number") ?? ""
        let email = try request.params.string("email").flatMap { $0.isEmpty ? nil : $0 }
        let name = try request.params.string("name").flatMap { $0.isEmpty ? nil : $0 }
        return try await transaction { session in
            var checkout = try await loadCheckout(id, in: session)
            switch checkout.status {
            case "complete": return .redirect(to: checkout.resolvedSuccessURL)
            case "open": break
            default: return try await checkoutPageResponse(checkout, error: nil, status: 410, in: session)
            }
            if checkout.customer == nil && checkout.customerEmail == nil {
                guard let email, email.contains("@"), email.count <= 320 else {
                    return try await checkoutPageResponse(checkout, error: "Enter a valid email address.", status: 400, in: session)
                }
            }
            let card = TestCard(number: cardNumber)
            if let message = card.paymentError {
                let status = card == .incorrectNumber ? 400 : 402
                return try await checkoutPageResponse(checkout, error: message, status: status, in: session)
            }
            try await complete(&checkout, email: email, name: name, cardLast4: TestCard.last4(cardNumber), in: session)
            return .redirect(to: checkout.resolvedSuccessURL)
        }
    }

    private func checkoutPageResponse(_ checkout: SimCheckoutSession, error: String?, status: Int,
                                      in session: PostgresSession) async throws -> SimulatorResponse {
        let e = SimulatorPages.escape
        var body = "<h1>Subscribe to \(e(checkout.price.productName))</h1>\n"
        body += "<p class=\"amount\">\(e(checkout.price.amountLabel))</p>\n"
        if checkout.quantity > 1 { body += "<p>Quantity: \(checkout.quantity)</p>\n" }
        switch checkout.status {
        case "complete":
            body += "<p class=\"notice\">This checkout is complete.</p>\n<p><a href=\"\(e(checkout.resolvedSuccessURL))\">Continue</a></p>\n"
            return .html(SimulatorPages.layout(title: "Checkout complete", body: body), status: status)
        case "expired":
            body += "<p class=\"error\" role=\"alert\">This checkout session has expired.</p>\n"
            if let cancelURL = checkout.cancelURL { body += "<p><a href=\"\(e(cancelURL))\">Back</a></p>\n" }
            return .html(SimulatorPages.layout(title: "Checkout expired", body: body), status: status)
        default:
            break
        }
        if let error { body += "<p class=\"error\" role=\"alert\">\(e(error))</p>\n" }
        var email = checkout.customerEmail
        if email == nil, let customerID = checkout.customer {
            email = try await SimCustomer.find(customerID, in: session)?.email
        }
        body += "<form method=\"post\" action=\"\(e(checkoutURL(checkout.id)))\">\n"
        if checkout.customer != nil || checkout.customerEmail != nil {
            body += "<p>Email: \(e(email ?? "(on file)"))</p>\n"
        } else {
            body += "<label for=\"email\">Email</label>\n<input type=\"email\" id=\"email\" name=\"email\" required autocomplete=\"email\">\n"
        }
        body += """
            <label for="name">Name on card</label>
            <input type="text" id="name" name="name" autocomplete="cc-name">
            <label for="card_number">Card number</label>
            <input type="text" id="card_number" name="card_number" required inputmode="numeric" autocomplete="cc-number" placeholder="4242 4242 4242 4242">
            <label for="expiry">Expiry (MM / YY)</label>
            <input type="text" id="expiry" name="expiry" autocomplete="cc-exp" placeholder="12 / 34">
            <label for="cvc">CVC</label>
            <input type="text" id="cvc" name="cvc" autocomplete="cc-csc" placeholder="123">
            <button type="submit">Subscribe</button>
            </form>

            """
        if let cancelURL = checkout.cancelURL { body += "<p><a href=\"\(e(cancelURL))\">Cancel and go back</a></p>\n" }
        return .html(SimulatorPages.layout(title: "Checkout", body: body), status: status)
    }
}
