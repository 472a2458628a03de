public import Foundation
import GatehouseBilling
public import GatehouseCore
public import GatehouseStore

extension BillingService {
    /// A checkout page for a new subscription.
    public struct CheckoutLink: Sendable {
        public var url: String
        public var sessionID: String
    }

    /// The tenant's subscription and this month's usage against it (`GET /billing/subscription`
    /// and the console's billing and usage pages).
    public struct Overview: Sendable {
        public var subscription: TenantSubscription
        public var usage: PlanUsage
    }

    /// Where checkouts and the portal send the browser back: the console's billing page.
    public static let returnPath = "/console/billing"
    /// Where a signup checkout sends the browser back: the console's sign-in page, which says
    /// what happens next (the sign-in link is mailed once the payment is confirmed).
    public static let signupReturnPath = "/console/sign-in"

    public func overview(tenantID: UUID, now: Date) async throws -> Overview {
        async let subscription = repository.subscription(tenantID: tenantID)
        async let planUsage = usage.planUsage(tenantID: tenantID, now: now)
        return Overview(subscription: try await subscription, usage: try await planUsage)
    }

    /// POST /billing/checkout (and the console's Upgrade): a Stripe checkout for `planID` on the
    /// tenant's Stripe customer, once the account behind the call (`requestedBy`: the signed-in
    /// user, or the creator of the calling key) has verified its email. The plan changes only
    /// when Stripe reports the checkout complete.
    public func startCheckout(tenantID: UUID, planID: String, cycle: BillingCycle, requestedBy userID: UUID?) async throws -> CheckoutLink {
        try await verifiedEmail.requireVerified(userID: userID, tenantID: tenantID)
        let price = try await sellablePrice(planID: planID, cycle: cycle)
        let current = try await repository.subscription(tenantID: tenantID)
        if current.hasLivePaidSubscription {
            throw GatehouseError(.conflict, "The tenant already has a paid subscription (\(current.plan.id)); "
                                 + "switch plan or cycle in the billing portal (POST /api/v2/billing/portal).")
        }
        let customer = try await customerID(tenantID: tenantID, current: current)
        let tenant = tenantID.uuidString.lowercased()
        let session = try await callingStripe("create checkout session") {
            try await stripe.createCheckoutSession(StripeCheckoutSessionParams(
                price: price, customer: customer, clientReferenceID: tenant,
                successURL: link(Self.returnPath + "?checkout=success&session_id={CHECKOUT_SESSION_ID}"),
                cancelURL: link(Self.returnPath + "?checkout=canceled"),
                metadata: ["gatehouse_tenant_id": tenant, "plan_id": planID, "billing_cycle": cycle.rawValue],
                subscriptionMetadata: ["gatehouse_tenant_id": tenant]))
        }
        return try checkoutLink(session)
    }

    /// POST /billing/portal: the billing portal of the tenant's Stripe customer.
    public func openPortal(tenantID: UUID) async throws -> String {
        let current = try await repository.subscription(tenantID: tenantID)
        guard let customer = current.stripeCustomerID else {
            throw GatehouseError(.conflict, "The tenant has no billing account yet; start a checkout first (POST /api/v2/billing/checkout).")
        }
        return try await callingStripe("create billing portal session") {
            try await stripe.createBillingPortalSession(customer: customer, returnURL: link(Self.returnPath))
        }.url
    }

    /// POST /billing/cancel: the paid subscription ends with its period; the new state is
    /// applied at once (the webhook that follows finds it applied), audited as done by `actor`.
    public func cancelAtPeriodEnd(tenantID: UUID, actor: AuditActor) async throws -> TenantSubscription {
        let current = try await repository.subscription(tenantID: tenantID)
        guard current.hasLivePaidSubscription, let subscriptionID = current.stripeSubscriptionID else {
            throw GatehouseError(.conflict, "The tenant has no paid subscription to cancel.")
        }
        if !current.cancelAtPeriodEnd {
            let readAt = Date()
            let updated = try await callingStripe("cancel subscription at period end") {
                try await stripe.updateSubscription(id: subscriptionID, StripeSubscriptionUpdateParams(cancelAtPeriodEnd: true))
            }
            if let snapshot = try await snapshot(updated, readAt: readAt) {
                let outcome = try await repository.applySubscription(snapshot, tenantID: tenantID, event: nil, actor: actor)
                logPlanChange(outcome, tenantID: tenantID, cause: "POST /billing/cancel")
            }
        }
        return try await repository.subscription(tenantID: tenantID)
    }

    /// POST /billing/signup-checkout: a Stripe checkout for a new account. Only a pending row is
    /// stored; the account is created when the checkout completes (`completeSignup`).
    public func startSignupCheckout(email: String, fullName: String, tenantName: String, planID: String,
                             cycle: BillingCycle) async throws -> CheckoutLink {
        let price = try await sellablePrice(planID: planID, cycle: cycle)
        if try await accounts.findLogin(email: email) != nil {
            throw GatehouseError(.conflict, "An account with this email already exists; sign in and upgrade from there.")
        }
        let customer = try await callingStripe("create customer") {
            try await stripe.createCustomer(email: email, name: tenantName, metadata: ["gatehouse_signup": "true"])
        }
        let expiresAt = Date().addingTimeInterval(Self.signupCheckoutLifetime)
        let session = try await callingStripe("create signup checkout session") {
            try await stripe.createCheckoutSession(StripeCheckoutSessionParams(
                price: price, customer: customer.id,
                successURL: link(Self.signupReturnPath + "?done=subscribed&session_id={CHECKOUT_SESSION_ID}"),
                cancelURL: link(Self.signupReturnPath + "?done=checkout-canceled"),
                metadata: ["gatehouse_signup": "true", "plan_id": planID, "billing_cycle": cycle.rawValue],
                expiresAt: expiresAt))
        }
        try await repository.openSignupCheckout(PendingSignupCheckout(
            checkoutSessionID: session.id, email: email, fullName: fullName, tenantName: tenantName,
            planID: planID, billingCycle: cycle, expiresAt: expiresAt))
        return try checkoutLink(session)
    }

    /// The price that sells a paid plan on `cycle`; 422 naming `plan_id` otherwise.
    private func sellablePrice(planID: String, cycle: BillingCycle) async throws -> String {
        guard planID != Plan.freeID, try await repository.plans().contains(where: { $0.id == planID }) else {
            throw GatehouseError.validation("plan_id", "must be a paid plan: starter, pro or business")
        }
        guard let price = try await priceBook().priceID(planID: planID, cycle: cycle) else {
            logger.error("no Stripe price configured", metadata: ["plan_id": .string(planID), "billing_cycle": .string(cycle.rawValue)])
            throw GatehouseError.validation("plan_id", "\(planID) is not for sale \(cycle.rawValue) on this server")
        }
        return price
    }

    /// The tenant's Stripe customer, created on first use.
    private func customerID(tenantID: UUID, current: TenantSubscription) async throws -> String {
        if let existing = current.stripeCustomerID { return existing }
        let contact = try await repository.billingContact(tenantID: tenantID)
        let customer = try await callingStripe("create customer") {
            try await stripe.createCustomer(email: contact.email, name: contact.tenantName,
                                            metadata: ["gatehouse_tenant_id": tenantID.uuidString.lowercased()])
        }
        // Two racing checkouts may each create one; both then use the one stored first.
        return try await repository.attachStripeCustomer(tenantID: tenantID, customerID: customer.id)
    }

    private func checkoutLink(_ session: StripeCheckoutSession) throws -> CheckoutLink {
        guard let url = session.url else {
            logger.error("stripe checkout session without url", metadata: ["session_id": .string(session.id)])
            throw GatehouseError(.serviceUnavailable, "The payment provider did not answer a checkout page; retry shortly.",
                                 headers: ["Retry-After": "5"])
        }
        return CheckoutLink(url: url, sessionID: session.id)
    }
}
