import Foundation
import GatehouseCore
import GatehouseStore
import GatehouseTestSupport
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

extension BillingSuites {
    /// The console's billing page against the real server and its Stripe simulator: the same
    /// checkout, portal and cancel as `/billing`, with the console's roles, CSRF and the
    /// verified-email rule.
    @Suite("Console: billing")
    struct ConsoleBillingTests {
        @Test func upgradePayManageAndCancelAtPeriodEnd() async throws {
            try await BillingTestApp.run { ctx in
                let owner = try await BillingFixtures.owner(ctx)
                var browser = ConsoleBrowser(ctx.client)
                try await browser.signIn(owner.email, owner.password)
                var page = try await browser.get("/console/billing")
                #expect(page.status == .ok)
                #expect(page.html.contains("aria-current=\"page\">Billing</a>"))
                #expect(page.html.contains("data-plan=\"free\""))
                #expect(page.text.contains("Your plan: Free"))
                #expect(page.html.contains("data-meter=\"messages\" data-level=\"ok\""))
                #expect(page.html.contains("data-checkout=\"pro\">Upgrade to Pro</button>"))
                // Nothing to manage or cancel before a first checkout.
                #expect(!page.html.contains("action=\"/console/billing/portal\""))
                #expect(!page.html.contains("href=\"/console/billing/cancel\""))
                // Its forms may be answered with a redirect to Stripe's pages.
                #expect(page.headers[.contentSecurityPolicy]?.contains("form-action 'self' https://checkout.stripe.com") == true)

                // Upgrade: off to the simulator's checkout page.
                page = try await browser.post("/console/billing/checkout", [("plan_id", "pro"), ("billing_cycle", "monthly")])
                #expect(page.status == .seeOther, "\(page.text)")
                let checkoutURL = try #require(page.location)
                #expect(checkoutURL.hasPrefix(ctx.configuration.publicURL + "/stripe-sim/checkout/"), "\(checkoutURL)")
                let paid = try await BillingFixtures.pay(ctx, try BillingFixtures.localPath(ctx, checkoutURL), card: BillingFixtures.payingCard)
                #expect(paid.status == 303)
                let back = try #require(paid.headers[.location])
                #expect(back.hasPrefix(ctx.configuration.publicURL + "/console/billing?checkout=success&session_id="), "\(back)")
                page = try await browser.get(try BillingFixtures.localPath(ctx, back))
                #expect(page.text.contains("Payment received."))

                // The webhook arrives in the background; then the page shows Pro with Pro's limits.
                let subscription = try await BillingFixtures.waitForSubscription(ctx, owner, "pro active") {
                    $0["plan_id"] as? String == "pro" && $0["status"] as? String == "active"
                }
                page = try await browser.get("/console/billing")
                #expect(page.text.contains("Your plan: Pro"))
                #expect(page.html.contains("data-status=\"active\""))
                let limits = try #require(subscription["limits"] as? [String: Any])
                #expect(page.text.contains("Messages sent this month 0 of \(ConsoleNumbers.integer(limits["max_messages_per_month"] as? Int ?? -1))"))
                if let end = (subscription["current_period_end"] as? String).flatMap(ConsoleNumbers.date) {
                    #expect(page.text.contains(ConsoleNumbers.time(end)))
                } else {
                    Issue.record("no current_period_end: \(subscription)")
                }
                // A running subscription switches in the portal, not with a second checkout.
                #expect(!page.html.contains("data-checkout="))
                #expect(page.html.contains("Upgrade to Business<span class=\"sr-only\"> in the billing portal</span></button>"))
                #expect(page.text.contains("Plan and billing-cycle changes open in the billing portal."))
                #expect(page.html.contains("data-cancel-at-period-end=\"no\""))

                // Manage billing: the simulator's portal.
                page = try await browser.post("/console/billing/portal")
                #expect(page.status == .seeOther)
                #expect(page.location?.hasPrefix(ctx.configuration.publicURL + "/stripe-sim/portal/") == true, "\(page.location ?? "")")

                // Cancel at period end: a confirmation first, then the API's state says so.
                page = try await browser.get("/console/billing/cancel")
                #expect(page.status == .ok)
                #expect(page.text.contains("Cancel your Pro subscription?"))
                page = try await browser.post("/console/billing/cancel")
                #expect(page.status == .seeOther)
                #expect(page.location == "/console/billing?done=cancel-at-period-end")
                let canceled = try await BillingFixtures.subscription(ctx, owner).object
                #expect(canceled["cancel_at_period_end"] as? Bool == true)
                #expect(canceled["plan_id"] as? String == "pro")
                page = try await browser.get("/console/billing?done=cancel-at-period-end")
                #expect(page.html.contains("data-cancel-at-period-end=\"yes\""))
                #expect(page.text.contains("Cancels at the end of the period"))
                #expect(!page.html.contains("href=\"/console/billing/cancel\""))
            }
        }

        @Test func membersReadOnlyFormsNeedTheirTokenAndUnverifiedAccountsCannotPay() async throws {
            try await BillingTestApp.run { ctx in
                let owner = try await BillingFixtures.owner(ctx)

                // A member reads the page and may do nothing.
                let member = try await BillingFixtures.user(ctx, .member, tenantID: owner.tenantID)
                var memberBrowser = ConsoleBrowser(ctx.client)
                try await memberBrowser.signIn(member.email, member.password)
                var page = try await memberBrowser.get("/console/billing")
                #expect(page.status == .ok)
                #expect(page.text.contains("only owners and admins can change the plan or pay"))
                #expect(!page.html.contains("action=\"/console/billing/checkout\""))
                for path in ["/console/billing/checkout", "/console/billing/portal", "/console/billing/cancel"] {
                    page = try await memberBrowser.post(path, [("plan_id", "pro"), ("billing_cycle", "monthly")])
                    #expect(page.status == .forbidden, "\(path)")
                    #expect(page.text.contains("Not allowed"), "\(path)")
                }
                #expect(try await memberBrowser.get("/console/billing/cancel").status == .forbidden)

                // The owner's form without its CSRF token is refused before anything happens.
                var browser = ConsoleBrowser(ctx.client)
                try await browser.signIn(owner.email, owner.password)
                try await browser.get("/console/billing")
                page = try await browser.post("/console/billing/checkout", [("plan_id", "pro"), ("billing_cycle", "monthly")],
                                              csrf: "not-the-token")
                #expect(page.status == .forbidden)
                #expect(page.text.contains("This form has expired"))
                #expect(try await ctx.billing.subscription(tenantID: owner.tenantID).stripeCustomerID == nil)

                // An account whose email is not verified is told so; no checkout (not even a customer) is made.
                let unverified = try await ctx.client.signUp()
                var unverifiedBrowser = ConsoleBrowser(ctx.client)
                try await unverifiedBrowser.signIn(unverified.email, unverified.password)
                try await unverifiedBrowser.get("/console/billing")
                page = try await unverifiedBrowser.post("/console/billing/checkout", [("plan_id", "pro"), ("billing_cycle", "monthly")])
                #expect(page.status == .forbidden)
                #expect(page.html.contains("role=\"alert\">Verify your email address first"))
                #expect(page.text.contains("Your plan: Free"))
                #expect(try await ctx.billing.subscription(tenantID: unverified.tenantID).stripeCustomerID == nil)

                // Bad input is a page that says what is wrong.
                page = try await browser.post("/console/billing/checkout", [("plan_id", "free"), ("billing_cycle", "monthly")])
                #expect(page.status == .unprocessableContent)
                #expect(page.text.contains("Your plan: Free"))
                page = try await browser.post("/console/billing/cancel")
                #expect(page.status == .conflict)
                #expect(page.text.contains("no paid subscription to cancel"))
            }
        }
    }
}

/// The console's number and time formats, for comparing its pages with the API's JSON.
enum ConsoleNumbers {
    static func integer(_ value: Int) -> String {
        let formatter = NumberFormatter()
        formatter.numberStyle = .decimal
        formatter.locale = Locale(identifier: "en_US")
        return formatter.string(from: NSNumber(value: value)) ?? String(value)
    }

    static func date(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }

    static func time(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")!
        formatter.dateFormat = "yyyy-MM-dd HH:mm 'UTC'"
        return formatter.string(from: date)
    }
}
