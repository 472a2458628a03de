import Foundation
import GatehouseCore
import GatehouseServices
import GatehouseStore

/// The tenant's plan, its limits against this month's usage, the plans to upgrade to (a
/// checkout), the billing portal and cancelling at the period's end: the `/billing`
/// operations' service, with their roles (members read).
extension Console {
    func billingPage(_ call: ConsoleCall) async throws -> ConsoleResponse {
        let user = try require("billingGetSubscription", call)
        let notice: String? = switch call.query["checkout"] ?? call.query["done"] {
        case "success": "Payment received. The payment provider confirms it in the background: if the plan below is not the new one yet, reload in a few seconds."
        case "canceled": "The checkout was canceled; nothing was charged."
        case "cancel-at-period-end": "Your subscription ends with the current period. Until then nothing changes."
        default: nil
        }
        return try await billingPage(call, user: user, notice: notice)
    }

    /// POST /console/billing/checkout: the checkout of `POST /billing/checkout` (verified email
    /// first), then the browser goes to the checkout page.
    func billingCheckout(_ call: ConsoleCall) async throws -> ConsoleResponse {
        let user = try require("billingCreateCheckout", call)
        do {
            guard let cycle = BillingCycle(rawValue: call.form["billing_cycle"] ?? "monthly") else {
                throw GatehouseError.validation("billing_cycle", "must be monthly or yearly")
            }
            let checkout = try await billing.startCheckout(tenantID: user.tenantID, planID: call.form["plan_id"] ?? "",
                                                           cycle: cycle, requestedBy: user.id)
            logger.info("checkout started in the console", metadata: ["checkout_session_id": "\(checkout.sessionID)"])
            return Self.toPaymentPage(checkout.url)
        } catch let error as GatehouseError where error.code != .internal {
            // The form's fields are hidden or preset: say what was wrong rather than point at them.
            let problem = error.fieldErrors.isEmpty ? error.detail : ConsoleFormat.problem(error).fields.values.sorted().joined(separator: " ")
            return try await billingPage(call, user: user, problem: problem, status: error.code.status)
        }
    }

    /// POST /console/billing/portal: the portal of `POST /billing/portal`.
    func billingPortal(_ call: ConsoleCall) async throws -> ConsoleResponse {
        let user = try require("billingCreatePortal", call)
        do {
            return Self.toPaymentPage(try await billing.openPortal(tenantID: user.tenantID))
        } catch let error as GatehouseError where error.code != .internal {
            return try await billingPage(call, user: user, problem: error.detail, status: error.code.status)
        }
    }

    func billingCancelConfirmPage(_ call: ConsoleCall) async throws -> ConsoleResponse {
        let user = try require("billingCancel", call)
        let subscription = try await billing.repository.subscription(tenantID: user.tenantID)
        guard subscription.hasLivePaidSubscription, !subscription.cancelAtPeriodEnd else { return .redirect("/console/billing") }
        return .page(templates.page("billingCancelConfirm", title: "Cancel your subscription", call: call, section: .billing, [
            "plan": subscription.plan.displayName,
            "periodEnd": subscription.currentPeriodEnd.map(ConsoleFormat.time) ?? "the end of the current period",
        ]))
    }

    /// POST /console/billing/cancel: `POST /billing/cancel`, audited as this user from this browser.
    func billingCancel(_ call: ConsoleCall) async throws -> ConsoleResponse {
        let user = try require("billingCancel", call)
        do {
            _ = try await billing.cancelAtPeriodEnd(tenantID: user.tenantID, actor: auditActor(call))
            return .redirect("/console/billing?done=cancel-at-period-end")
        } catch let error as GatehouseError where error.code != .internal {
            return try await billingPage(call, user: user, problem: error.detail, status: error.code.status)
        }
    }

    // MARK: - Building the page

    /// Off to the payment provider's page (Stripe's, or the simulator's under `PUBLIC_URL`).
    private static func toPaymentPage(_ url: String) -> ConsoleResponse {
        var response = ConsoleResponse.redirect(url)
        response.formActions = paymentPageOrigins
        return response
    }

    /// Where the billing forms may send the browser on: Stripe's checkout and portal (the
    /// simulator's pages are this server's own).
    static let paymentPageOrigins = ["https://checkout.stripe.com", "https://billing.stripe.com"]

    private func billingPage(_ call: ConsoleCall, user: UserRecord, notice: String? = nil, problem: String? = nil,
                             status: Int = 200) async throws -> ConsoleResponse {
        let overview = try await billing.overview(tenantID: user.tenantID, now: keys.clock())
        let subscription = overview.subscription
        let plans = try await billing.repository.plans()
        let canCheckout = permits("billingCreateCheckout", user.role)
        let canManage = permits("billingCreatePortal", user.role)
        let paid = subscription.hasLivePaidSubscription
        let currentIndex = plans.firstIndex { $0.id == subscription.plan.id } ?? 0

        let planRows = plans.enumerated().map { index, plan -> [String: Any] in
            var row: [String: Any] = [
                "id": plan.id, "name": plan.displayName, "current": plan.id == subscription.plan.id,
                "monthly": ConsoleFormat.money(plan.priceMonthly.amount), "yearly": ConsoleFormat.money(plan.priceYearly.amount),
                "currency": plan.currency.uppercased(),
                "messages": ConsoleFormat.integer(plan.limits.maxMessagesPerMonth), "sessions": ConsoleFormat.integer(plan.limits.maxSessions),
                "aiReplies": ConsoleFormat.integer(plan.limits.aiRepliesPerMonth), "groups": ConsoleFormat.integer(plan.limits.maxGroups),
                "labels": ConsoleFormat.integer(plan.limits.maxLabels),
            ]
            guard plan.id != subscription.plan.id, plan.isPaid else { return row }
            let verb = index > currentIndex ? "Upgrade" : "Switch"
            if paid {
                // A running subscription changes plan in the portal (the service refuses a second checkout).
                if canManage { row["viaPortal"] = ["label": "\(verb) to \(plan.displayName)"] }
            } else if canCheckout {
                row["checkout"] = ["label": "\(verb) to \(plan.displayName)"]
            }
            return row
        }
        var context: [String: Any] = [
            "plan": subscription.plan.displayName, "planID": subscription.plan.id,
            "status": subscription.status.rawValue.replacingOccurrences(of: "_", with: " "),
            "statusClass": subscription.status.hasEnded || subscription.status == .pastDue || subscription.status == .unpaid ? "revoked" : "active",
            "cycle": subscription.billingCycle.rawValue, "paid": paid,
            "cancelAtPeriodEnd": subscription.cancelAtPeriodEnd,
            "meters": Self.planMeters(overview), "plans": planRows,
            "canCheckout": canCheckout, "canManage": canManage, "readOnly": !canManage,
            "hasCustomer": subscription.stripeCustomerID != nil,
            "canCancel": paid && !subscription.cancelAtPeriodEnd && permits("billingCancel", user.role),
        ]
        if let end = subscription.currentPeriodEnd { context["periodEnd"] = ConsoleFormat.time(end) }
        var response = ConsoleResponse.page(templates.page("billing", title: "Billing", call: call, section: .billing,
                                                           notice: notice, problem: problem, context), status: status)
        response.formActions = Self.paymentPageOrigins
        return response
    }
}
