public import Foundation
import GatehouseAuth
public import GatehouseBilling
public import GatehouseCore
public import GatehouseStore

extension BillingService {
    /// The event types that can change a tenant's subscription; others are acknowledged and ignored.
    public static let subscriptionEventTypes = [
        "checkout.session.completed",
        "customer.subscription.created", "customer.subscription.updated", "customer.subscription.deleted",
        "invoice.paid", "invoice.payment_succeeded", "invoice.payment_failed",
    ]

    /// Applies one Stripe event (from the webhook or from `GET /v1/events`), at most once per
    /// event id. Out-of-order safe: only the ids are taken from the event; the checkout session
    /// and subscription are fetched again from Stripe and their current state applied. Throws
    /// (so the delivery is retried) when Stripe cannot be reached. A plan change is audited as
    /// done by `actor`.
    public func apply(_ event: StripeEvent, actor: AuditActor) async throws {
        let ref = StripeEventRef(id: event.id, type: event.type)
        switch event.type {
        case "checkout.session.completed":
            guard let id = event.objectID else { return try await ignore(ref, "no checkout session id") }
            try await completeCheckout(id, event: ref, actor: actor)
        case "customer.subscription.created", "customer.subscription.updated", "customer.subscription.deleted":
            guard let id = event.objectID else { return try await ignore(ref, "no subscription id") }
            try await syncSubscription(id, event: ref, actor: actor)
        case "invoice.paid", "invoice.payment_succeeded", "invoice.payment_failed":
            guard let id = try event.invoice()?.subscription else { return try await ignore(ref, "invoice without subscription") }
            try await syncSubscription(id, event: ref, actor: actor)
        default:
            try await repository.recordEventWithoutEffect(ref)
        }
    }

    /// Reads the subscription from Stripe and applies its current state to its tenant.
    public func syncSubscription(_ subscriptionID: String, event: StripeEventRef?, actor: AuditActor) async throws {
        let readAt = Date()
        let subscription: StripeSubscription
        do {
            subscription = try await stripe.retrieveSubscription(id: subscriptionID)
        } catch let error as StripeError where error.kind == .notFound {
            if let event { try await ignore(event, "subscription \(subscriptionID) not found at Stripe") }
            return
        }
        guard let tenantID = try await repository.tenant(stripeCustomerID: subscription.customer,
                                                          stripeSubscriptionID: subscription.id) else {
            // A signup checkout's subscription before its account exists, or a customer that is not ours.
            if let event { try await ignore(event, "no tenant for customer \(subscription.customer)") }
            return
        }
        guard let snapshot = try await snapshot(subscription, readAt: readAt) else {
            if let event { try await ignore(event, "subscription \(subscription.id) has no known price or status") }
            return
        }
        let outcome = try await repository.applySubscription(snapshot, tenantID: tenantID, event: event, actor: actor)
        logPlanChange(outcome, tenantID: tenantID, cause: event?.type ?? "sync")
    }

    /// `checkout.session.completed`: the session is read again; a signup checkout creates its
    /// account, a tenant's checkout applies the subscription it created.
    private func completeCheckout(_ sessionID: String, event: StripeEventRef, actor: AuditActor) async throws {
        let session: StripeCheckoutSession
        do {
            session = try await stripe.retrieveCheckoutSession(id: sessionID)
        } catch let error as StripeError where error.kind == .notFound {
            return try await ignore(event, "checkout session \(sessionID) not found at Stripe")
        }
        guard session.status == "complete", let subscriptionID = session.subscription else {
            return try await ignore(event, "checkout session \(sessionID) is not complete")
        }
        if try await repository.isSignupCheckout(session.id) {
            try await completeSignup(session, subscriptionID: subscriptionID, event: event)
        } else {
            try await syncSubscription(subscriptionID, event: event, actor: actor)
        }
    }

    /// Creates the account of a paid signup checkout in one transaction and mails its owner a
    /// sign-in link.
    private func completeSignup(_ session: StripeCheckoutSession, subscriptionID: String, event: StripeEventRef) async throws {
        let readAt = Date()
        let subscription = try await stripe.retrieveSubscription(id: subscriptionID)
        guard let snapshot = try await snapshot(subscription, readAt: readAt) else {
            return try await ignore(event, "subscription \(subscriptionID) has no known price or status")
        }
        let planName = try await repository.plans().first(where: { $0.id == snapshot.planID })?.displayName ?? snapshot.planID
        let token = OpaqueToken.generate()
        // The console's magic-link page: following it signs the new owner in to the console.
        let signIn = link("\(AccountService.LinkPath.magicLink)?token=\(token)")
        do {
            let completion = try await repository.completeSignupCheckout(
                session.id, tenantID: UUID(), snapshot: snapshot, event: event, magicLinkHash: OpaqueToken.hash(token),
                mail: { email in BillingMails.accountReady(to: email, planName: planName, link: signIn) })
            if case .created(let tenantID, let userID) = completion {
                logger.info("signup checkout completed", metadata: [
                    "tenant_id": .string(tenantID.uuidString.lowercased()), "user_id": .string(userID.uuidString.lowercased()),
                    "plan_id": .string(snapshot.planID)])
            }
        } catch AccountError.emailTaken {
            // Paid, but the email got an account in the meantime: nothing can be created. Retrying
            // cannot help; the operator refunds or attaches it by hand.
            logger.error("signup checkout paid for an email that now has an account",
                         metadata: ["checkout_session_id": .string(session.id), "customer": .string(snapshot.customerID)])
            try await repository.recordEventWithoutEffect(event)
        }
    }

    /// A Stripe subscription as Gatehouse's plan and cycle; nil (logged) for a price or status
    /// Gatehouse does not know.
    func snapshot(_ subscription: StripeSubscription, readAt: Date) async throws -> SubscriptionSnapshot? {
        guard let priceID = subscription.price?.id, let plan = try await priceBook().plan(priceID: priceID) else {
            logger.error("stripe subscription with an unknown price", metadata: [
                "subscription": .string(subscription.id), "price": .string(subscription.price?.id ?? "none")])
            return nil
        }
        guard let status = SubscriptionStatus(rawValue: subscription.status) else {
            logger.error("stripe subscription with an unknown status", metadata: [
                "subscription": .string(subscription.id), "status": .string(subscription.status)])
            return nil
        }
        return SubscriptionSnapshot(
            subscriptionID: subscription.id, customerID: subscription.customer, planID: plan.planID,
            billingCycle: plan.cycle, status: status, currentPeriodStart: subscription.currentPeriodStartDate,
            currentPeriodEnd: subscription.currentPeriodEndDate, cancelAtPeriodEnd: subscription.cancelAtPeriodEnd,
            readAt: readAt)
    }

    func logPlanChange(_ outcome: SubscriptionApplyOutcome, tenantID: UUID, cause: String) {
        guard case .applied(let previous, let plan) = outcome, previous != plan else { return }
        logger.info("plan changed", metadata: [
            "tenant_id": .string(tenantID.uuidString.lowercased()), "from": .string(previous), "to": .string(plan),
            "cause": .string(cause)])
    }

    /// Records an event that changes nothing, so it is not fetched again by reconciliation.
    private func ignore(_ event: StripeEventRef, _ reason: String) async throws {
        logger.notice("stripe event ignored", metadata: ["event_id": .string(event.id), "type": .string(event.type),
                                                         "reason": .string(reason)])
        try await repository.recordEventWithoutEffect(event)
    }
}
