import Foundation
import GatehouseBilling
import GatehouseCore
import GatehouseServices
import GatehouseStore

/// Plans, the tenant's subscription, checkout, portal, cancel, signup by checkout and Stripe's
/// webhook. Who may call each is declared in openapi.yaml (`billing:read` / `billing:manage`).
extension GatehouseService {
    /// GET /api/v2/billing/plans
    func billingListPlans(_ input: Operations.BillingListPlans.Input) async throws -> Operations.BillingListPlans.Output {
        let plans = try await billing.repository.plans()
        return .ok(.init(body: .json(.init(items: try plans.map(Self.planBody)))))
    }

    /// GET /api/v2/billing/subscription
    func billingGetSubscription(_ input: Operations.BillingGetSubscription.Input) async throws
        -> Operations.BillingGetSubscription.Output {
        .ok(.init(body: .json(try await subscriptionBody(tenantID: try Self.currentTenant()))))
    }

    /// POST /api/v2/billing/checkout
    func billingCreateCheckout(_ input: Operations.BillingCreateCheckout.Input) async throws
        -> Operations.BillingCreateCheckout.Output {
        guard case .json(let body) = input.body else { throw GatehouseError.invalidRequest("Send a JSON body.") }
        let tenantID = try Self.currentTenant()
        let checkout = try await billing.startCheckout(
            tenantID: tenantID, planID: body.planId.rawValue, cycle: try Self.cycle(body.billingCycle),
            requestedBy: try Self.accountBehindCall())
        return .ok(.init(body: .json(.init(checkoutUrl: checkout.url, sessionId: checkout.sessionID))))
    }

    /// POST /api/v2/billing/portal
    func billingCreatePortal(_ input: Operations.BillingCreatePortal.Input) async throws
        -> Operations.BillingCreatePortal.Output {
        let url = try await billing.openPortal(tenantID: try Self.currentTenant())
        return .ok(.init(body: .json(.init(portalUrl: url))))
    }

    /// POST /api/v2/billing/cancel
    func billingCancel(_ input: Operations.BillingCancel.Input) async throws -> Operations.BillingCancel.Output {
        let tenantID = try Self.currentTenant()
        _ = try await billing.cancelAtPeriodEnd(tenantID: tenantID, actor: .currentRequest)
        return .ok(.init(body: .json(try await subscriptionBody(tenantID: tenantID))))
    }

    /// POST /api/v2/billing/signup-checkout
    func billingSignupCheckout(_ input: Operations.BillingSignupCheckout.Input) async throws
        -> Operations.BillingSignupCheckout.Output {
        guard case .json(let body) = input.body else { throw GatehouseError.invalidRequest("Send a JSON body.") }
        let email = try AuthValidation.email(body.email)
        let fullName = try AuthValidation.name(body.fullName, field: "full_name")
        let tenantName = try AuthValidation.name(body.tenantName, field: "tenant_name")
        try await auth.service.throttle("signup", email: email, ip: RequestScope.current?.clientIP)
        let checkout = try await billing.startSignupCheckout(
            email: email, fullName: fullName, tenantName: tenantName, planID: body.planId.rawValue,
            cycle: try Self.cycle(body.billingCycle))
        return .ok(.init(body: .json(.init(checkoutUrl: checkout.url, sessionId: checkout.sessionID))))
    }

    /// POST /api/v2/billing/webhook: verified over the raw bytes, then applied at most once.
    func billingWebhook(_ input: Operations.BillingWebhook.Input) async throws -> Operations.BillingWebhook.Output {
        guard let payload = RawWebhookBody.current else { throw GatehouseError.invalidRequest("Send the event as the body.") }
        do {
            try StripeWebhookSignature.verify(payload: payload, header: input.headers.stripeSignature, secret: billing.webhookSecret)
        } catch {
            requestLogger.notice("stripe webhook refused", metadata: ["reason": "\(error)"])
            throw GatehouseError.invalidRequest("The Stripe-Signature header is missing, stale or does not match the body.",
                                                field: "Stripe-Signature")
        }
        let event: StripeEvent
        do {
            event = try StripeEvent.parse(payload)
        } catch {
            throw GatehouseError.invalidRequest("The body is not a Stripe event.")
        }
        try await billing.apply(event, actor: .currentRequest)
        return .ok(.init(body: .json(.init(received: true))))
    }

    // MARK: Bodies

    func subscriptionBody(tenantID: UUID) async throws -> Components.Schemas.Subscription {
        let overview = try await billing.overview(tenantID: tenantID, now: keys.clock())
        return try Self.subscriptionBody(overview.subscription, usage: overview.usage)
    }

    static func subscriptionBody(_ subscription: TenantSubscription, usage: PlanUsage) throws -> Components.Schemas.Subscription {
        guard let planID = Components.Schemas.Subscription.PlanIdPayload(rawValue: subscription.plan.id),
              let status = Components.Schemas.Subscription.StatusPayload(rawValue: subscription.status.rawValue) else {
            throw GatehouseError(.internal, "An internal error occurred.")
        }
        return .init(
            planId: planID, displayName: subscription.plan.displayName, status: status,
            billingCycle: subscription.billingCycle == .yearly ? .yearly : .monthly,
            currentPeriodEnd: subscription.currentPeriodEnd, cancelAtPeriodEnd: subscription.cancelAtPeriodEnd,
            limits: limitsBody(subscription.plan.limits),
            usage: .init(sessions: usage.sessions, messagesThisMonth: usage.messagesThisMonth, groups: usage.groups,
                         labels: usage.labels, aiRepliesThisMonth: usage.aiRepliesThisMonth))
    }

    static func planBody(_ plan: Plan) throws -> Components.Schemas.Plan {
        guard let id = Components.Schemas.Plan.IdPayload(rawValue: plan.id) else {
            throw GatehouseError(.internal, "An internal error occurred.")
        }
        return .init(id: id, displayName: plan.displayName, priceMonthly: plan.priceMonthly.description,
                     priceYearly: plan.priceYearly.description, currency: plan.currency, limits: limitsBody(plan.limits))
    }

    static func limitsBody(_ limits: PlanLimits) -> Components.Schemas.PlanLimits {
        .init(maxSessions: limits.maxSessions, maxMessagesPerMonth: limits.maxMessagesPerMonth, maxGroups: limits.maxGroups,
              maxLabels: limits.maxLabels, aiRepliesPerMonth: limits.aiRepliesPerMonth)
    }

    static func cycle(_ value: Components.Schemas.BillingCycle) throws -> BillingCycle {
        guard let cycle = BillingCycle(rawValue: value.rawValue) else { throw GatehouseError.validation("billing_cycle", "must be monthly or yearly") }
        return cycle
    }
}
