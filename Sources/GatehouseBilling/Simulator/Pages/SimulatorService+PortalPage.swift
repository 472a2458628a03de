import Postgres

extension SimulatorService {
    /// What a portal page is about: its session, the customer, and the customer's current
    /// subscription (the newest one not canceled, else the newest one).
    struct PortalState {
        var portal: SimPortalSession
        var customer: SimCustomer
        var subscription: SimSubscription?
        var now: Int64
    }

    func loadPortal(_ id: String, in session: PostgresSession, forUpdate: Bool = false) async throws -> PortalState {
        guard let portal = try await SimPortalSession.find(id, in: session),
              let customer = try await SimCustomer.find(portal.customer, in: session, forUpdate: forUpdate) else {
            throw SimulatorError(status: 404, type: "invalid_request_error", message: "This portal link is not valid.")
        }
        let subscriptions = try await SimSubscription.all(customer: customer.id, in: session, forUpdate: forUpdate)
        let current = subscriptions.first { $0.status != "canceled" } ?? subscriptions.first
        return PortalState(portal: portal, customer: customer, subscription: current,
                           now: try await now(testClock: customer.testClock, in: session))
    }

    /// `GET /portal/{id}`.
    func portalPage(_ request: SimulatorRequest) async throws -> SimulatorResponse {
        let id = try request.requiredID
        let notice = try request.params.string("notice")
        return try await transaction { session in
            let state = try await loadPortal(id, in: session)
            return portalPageResponse(state, prices: try await SimPrice.all(in: session), notice: notice, error: nil, status: 200)
        }
    }

    /// `POST /portal/{id}/plan` (`price`): switch plan or billing cycle now.
    func portalSwitchPrice(_ request: SimulatorRequest) async throws -> SimulatorResponse {
        let id = try request.requiredID
        let priceID = try request.params.required("price")
        return try await portalAction(id) { state, session in
            guard var subscription = state.subscription, subscription.isLive else { return "You have no active subscription." }
            guard let price = try await SimPrice.find(priceID, in: session), price.active else { return "That plan does not exist." }
            guard price.id != subscription.price.id else { return nil }
            try await billing.switchPrice(&subscription, to: price, metadata: nil, at: state.now, in: session)
            return subscription.status == "past_due" ? "Your card was declined, so the plan was not changed. Update your card first." : nil
        } notice: { "Your plan was changed." }
    }

    /// `POST /portal/{id}/card` (`card_number`): a new default card. 4000 0000 0000 0341 is
    /// accepted, and every later charge on it fails.
    func portalUpdateCard(_ request: SimulatorRequest) async throws -> SimulatorResponse {
        let id = try request.requiredID
        let number = try request.params.string("card_number") ?? ""
        return try await portalAction(id) { state, session in
            var customer = state.customer
            switch TestCard(number: number) {
            case .succeeds:
                try await billing.updateCard(&customer, last4: TestCard.last4(number), declines: false, at: state.now, in: session)
            case .attachesThenDeclines:
                try await billing.updateCard(&customer, last4: TestCard.last4(number), declines: true, at: state.now, in: session)
            case let card:
                return card.paymentError
            }
            return nil
        } notice: { "Your card was updated." }
    }

    /// `POST /portal/{id}/cancel`: cancel at the end of the period.
    func portalCancel(_ request: SimulatorRequest) async throws -> SimulatorResponse {
        try await portalSetCancel(request, true, notice: "Your subscription will end at the end of the period.")
    }

    /// `POST /portal/{id}/resume`: withdraw a scheduled cancellation.
    func portalResume(_ request: SimulatorRequest) async throws -> SimulatorResponse {
        try await portalSetCancel(request, false, notice: "Your subscription will continue.")
    }

    private func portalSetCancel(_ request: SimulatorRequest, _ cancel: Bool, notice: String) async throws -> SimulatorResponse {
        let id = try request.requiredID
        return try await portalAction(id) { state, session in
            guard var subscription = state.subscription, subscription.isLive else { return "You have no active subscription." }
            guard subscription.cancelAtPeriodEnd != cancel else { return nil }
            try await billing.setCancelAtPeriodEnd(&subscription, cancel, at: state.now, in: session)
            return nil
        } notice: { notice }
    }

    /// Runs a portal form's change in one transaction: success redirects to the portal page
    /// with a notice (post/redirect/get); a refusal answers the page with the reason (400),
    /// and the change is rolled back.
    private func portalAction(
        _ id: String, _ change: (PortalState, PostgresSession) async throws -> String?, notice: () -> String
    ) async throws -> SimulatorResponse {
        struct Refused: Error { let page: SimulatorResponse }
        do {
            return try await transaction { session in
                let state = try await loadPortal(id, in: session, forUpdate: true)
                if let refusal = try await change(state, session) {
                    let fresh = try await loadPortal(id, in: session)
                    let page = portalPageResponse(fresh, prices: try await SimPrice.all(in: session), notice: nil,
                                                  error: refusal, status: 400)
                    throw Refused(page: page)
                }
                return .redirect(to: portalURL(id) + "?notice=" + StripeForm.escape(notice()))
            }
        } catch let refused as Refused {
            return refused.page
        }
    }

    private func portalPageResponse(_ state: PortalState, prices: [SimPrice], notice: String?, error: String?,
                                    status: Int) -> SimulatorResponse {
        let e = SimulatorPages.escape
        let action = { (path: String) in e(self.portalURL(state.portal.id) + "/" + path) }
        var body = "<h1>Billing</h1>\n"
        if let notice { body += "<p class=\"notice\" role=\"status\">\(e(notice))</p>\n" }
        if let error { body += "<p class=\"error\" role=\"alert\">\(e(error))</p>\n" }
        body += "<dl>\n<dt>Customer</dt><dd>\(e(state.customer.email ?? state.customer.id))</dd>\n"
        let card = state.customer.cardLast4.map { "•••• \($0)" } ?? "none"
        body += "<dt>Card</dt><dd id=\"card\">\(e(card))</dd>\n"
        guard let subscription = state.subscription else {
            body += "</dl>\n<p>You have no subscription.</p>\n"
            return .html(SimulatorPages.layout(title: "Billing", body: body + returnLink(state)), status: status)
        }
        body += "<dt>Plan</dt><dd id=\"plan\">\(e(subscription.price.productName))</dd>\n"
        body += "<dt>Price</dt><dd id=\"price\" data-price=\"\(e(subscription.price.id))\">\(e(subscription.price.amountLabel))</dd>\n"
        body += "<dt>Status</dt><dd id=\"status\">\(e(subscription.status))</dd>\n"
        let periodLabel = subscription.cancelAtPeriodEnd ? "Ends on" : "Renews on"
        if subscription.isLive {
            body += "<dt>\(periodLabel)</dt><dd id=\"period-end\">\(SimulatorPages.day(subscription.currentPeriodEnd))</dd>\n"
        }
        body += "</dl>\n"
        guard subscription.isLive else {
            return .html(SimulatorPages.layout(title: "Billing", body: body + returnLink(state)), status: status)
        }

        body += "<h2>Change plan</h2>\n<form method=\"post\" action=\"\(action("plan"))\">\n"
        for price in prices {
            let checked = price.id == subscription.price.id ? " checked" : ""
            body += "<label><input type=\"radio\" name=\"price\" value=\"\(e(price.id))\"\(checked)> "
                + "\(e(price.productName)) — \(e(price.amountLabel))</label>\n"
        }
        body += "<button type=\"submit\">Change plan</button>\n</form>\n"
        let otherInterval = subscription.price.interval == "month" ? "year" : "month"
        if let other = prices.first(where: { $0.product == subscription.price.product && $0.interval == otherInterval }) {
            body += "<form method=\"post\" action=\"\(action("plan"))\">\n<input type=\"hidden\" name=\"price\" value=\"\(e(other.id))\">\n"
            body += "<button type=\"submit\">Switch to \(otherInterval == "year" ? "yearly" : "monthly") billing (\(e(other.amountLabel)))</button>\n</form>\n"
        }

        body += """
            <h2>Payment method</h2>
            <form method="post" action="\(action("card"))">
            <label for="card_number">New card number</label>
            <input type="text" id="card_number" name="card_number" required inputmode="numeric" autocomplete="cc-number" placeholder="4242 4242 4242 4242">
            <button type="submit">Update card</button>
            </form>

            """
        body += "<h2>Cancellation</h2>\n"
        if subscription.cancelAtPeriodEnd {
            body += "<p>Your subscription ends on \(SimulatorPages.day(subscription.currentPeriodEnd)).</p>\n"
            body += "<form method=\"post\" action=\"\(action("resume"))\"><button type=\"submit\">Resume subscription</button></form>\n"
        } else {
            body += "<form method=\"post\" action=\"\(action("cancel"))\"><button type=\"submit\">Cancel at period end</button></form>\n"
        }
        return .html(SimulatorPages.layout(title: "Billing", body: body + returnLink(state)), status: status)
    }

    private func returnLink(_ state: PortalState) -> String {
        guard let returnURL = state.portal.returnURL else { return "" }
        return "<p><a href=\"\(SimulatorPages.escape(returnURL))\">Return</a></p>\n"
    }
}
