import Foundation
import GatehouseCore
import GatehouseTestSupport
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

extension BillingSuites {
    /// A subscription's life in simulated time: the tenant's Stripe customer lives on a test clock,
    /// the test advances the clock, and the simulator renews, fails, retries and cancels, telling
    /// Gatehouse by webhook; the portal's pages switch plan and cycle, cancel and resume.
    @Suite("Billing: renewals on a test clock, dunning, portal changes, cancel and resume")
    struct BillingRenewalTests {
        static func periodEnd(_ subscription: [String: Any]) throws -> Date {
            try #require((subscription["current_period_end"] as? String).flatMap { try? Date($0, strategy: .iso8601) })
        }

        @Test func aPaidRenewalStartsTheNextPeriod() async throws {
            try await BillingTestApp.run { ctx in
                let user = try await BillingFixtures.owner(ctx)
                let clock = try await BillingFixtures.customerOnTestClock(ctx, user, at: Date())
                try await BillingFixtures.subscribe(ctx, user, plan: "pro")
                let firstEnd = try Self.periodEnd(try await BillingFixtures.subscription(ctx, user).object)

                try await BillingFixtures.advance(ctx, clock: clock, to: firstEnd.addingTimeInterval(3600))
                let renewed = try await BillingFixtures.waitForSubscription(ctx, user, "renewed") {
                    ((try? Self.periodEnd($0)) ?? .distantPast) > firstEnd
                }
                #expect(renewed["plan_id"] as? String == "pro")
                #expect(renewed["status"] as? String == "active")
                let secondEnd = try Self.periodEnd(renewed)
                #expect(secondEnd > firstEnd.addingTimeInterval(27 * 24 * 3600))
            }
        }

        @Test func aFailedRenewalGoesPastDueThenCanceledAndBackToFree() async throws {
            try await BillingTestApp.run { ctx in
                let user = try await BillingFixtures.owner(ctx)
                let clock = try await BillingFixtures.customerOnTestClock(ctx, user, at: Date())
                try await BillingFixtures.subscribe(ctx, user, plan: "pro")
                let end = try Self.periodEnd(try await BillingFixtures.subscription(ctx, user).object)

                // The card on file now declines every charge.
                let portal = try await BillingFixtures.portal(ctx, user)
                let card = try await BillingFixtures.postForm(ctx, portal + "/card", ["card_number": BillingFixtures.decliningCard])
                #expect(card.status == 303, "\(card.text)")

                // The renewal fails: past_due, and the plan's limits still apply while Stripe retries.
                try await BillingFixtures.advance(ctx, clock: clock, to: end.addingTimeInterval(3600))
                let pastDue = try await BillingFixtures.waitForSubscription(ctx, user, "past_due") { $0["status"] as? String == "past_due" }
                #expect(pastDue["plan_id"] as? String == "pro")
                #expect(pastDue["limits"] as? [String: Int] == BillingCheckoutTests.proLimits)

                // One retry a day later fails too: still past_due.
                try await BillingFixtures.advance(ctx, clock: clock, to: end.addingTimeInterval(26 * 3600))
                #expect(try await BillingFixtures.subscription(ctx, user).object["status"] as? String == "past_due")

                // Every retry fails: Stripe cancels the subscription and the tenant is back on free.
                try await BillingFixtures.advance(ctx, clock: clock, to: end.addingTimeInterval(8 * 24 * 3600))
                let free = try await BillingFixtures.waitForSubscription(ctx, user, "free") { $0["plan_id"] as? String == "free" }
                #expect(free["status"] as? String == "active")
                #expect(free["current_period_end"] == nil || free["current_period_end"] is NSNull)
                #expect(free["limits"] as? [String: Int] == BillingCheckoutTests.freeLimits)
                // The tenant may subscribe again (a new checkout on the same customer).
                let again = try await ctx.client.requestJSON(.post, "/api/v2/billing/checkout", headers: user.authorization,
                                                             body: ["plan_id": "starter", "billing_cycle": "monthly"])
                #expect(again.status == 200, "\(again.text)")
            }
        }

        @Test func thePortalSwitchesPlanAndCycle() async throws {
            try await BillingTestApp.run { ctx in
                let user = try await BillingFixtures.owner(ctx)
                try await BillingFixtures.subscribe(ctx, user, plan: "starter")
                let portal = try await BillingFixtures.portal(ctx, user)
                let page = try await ctx.client.requestJSON(.get, portal)
                #expect(page.status == 200)
                #expect(page.text.contains("price_business_monthly"))

                var answer = try await BillingFixtures.postForm(ctx, portal + "/plan", ["price": "price_business_monthly"])
                #expect(answer.status == 303, "\(answer.text)")
                let business = try await BillingFixtures.waitForSubscription(ctx, user, "business") { $0["plan_id"] as? String == "business" }
                #expect(business["billing_cycle"] as? String == "monthly")
                #expect((business["limits"] as? [String: Int])?["max_sessions"] == 10)

                answer = try await BillingFixtures.postForm(ctx, portal + "/plan", ["price": "price_business_yearly"])
                #expect(answer.status == 303, "\(answer.text)")
                let yearly = try await BillingFixtures.waitForSubscription(ctx, user, "yearly") { $0["billing_cycle"] as? String == "yearly" }
                #expect(yearly["plan_id"] as? String == "business")
                #expect(try Self.periodEnd(yearly) > Date().addingTimeInterval(360 * 24 * 3600))
            }
        }

        @Test func cancelAtPeriodEndThenResumeThenLetItEnd() async throws {
            try await BillingTestApp.run { ctx in
                let user = try await BillingFixtures.owner(ctx)
                let clock = try await BillingFixtures.customerOnTestClock(ctx, user, at: Date())
                try await BillingFixtures.subscribe(ctx, user, plan: "pro")

                // POST /billing/cancel answers the new state at once; the plan stays until the period ends.
                var response = try await ctx.client.requestJSON(.post, "/api/v2/billing/cancel", headers: user.authorization)
                #expect(response.status == 200, "\(response.text)")
                #expect(response.object["cancel_at_period_end"] as? Bool == true)
                #expect(response.object["plan_id"] as? String == "pro")
                #expect(response.object["status"] as? String == "active")
                // Asking again changes nothing.
                response = try await ctx.client.requestJSON(.post, "/api/v2/billing/cancel", headers: user.authorization)
                #expect(response.status == 200)
                #expect(response.object["cancel_at_period_end"] as? Bool == true)
                // The cancellation is in the audit log once, by the user who asked for it.
                response = try await ctx.client.requestJSON(.get, "/api/v2/audit-events?action=subscription.update",
                                                            headers: user.authorization)
                let updates = response.object["items"] as? [[String: Any]] ?? []
                #expect(updates.count == 1, "\(response.text)")
                #expect(updates.first?["actor_type"] as? String == "user")
                #expect(updates.first?["actor_id"] as? String == user.userID.uuidString.lowercased())
                #expect((updates.first?["changes"] as? [String: Any])?["cancel_at_period_end"] as? Bool == true)

                // Resumed in the portal.
                let portal = try await BillingFixtures.portal(ctx, user)
                let resumed = try await BillingFixtures.postForm(ctx, portal + "/resume", [:])
                #expect(resumed.status == 303, "\(resumed.text)")
                try await BillingFixtures.waitForSubscription(ctx, user, "resumed") { $0["cancel_at_period_end"] as? Bool == false }

                // Cancelled in the portal this time, and the period runs out: back to free.
                let canceled = try await BillingFixtures.postForm(ctx, portal + "/cancel", [:])
                #expect(canceled.status == 303, "\(canceled.text)")
                let scheduled = try await BillingFixtures.waitForSubscription(ctx, user, "cancel scheduled") {
                    $0["cancel_at_period_end"] as? Bool == true
                }
                try await BillingFixtures.advance(ctx, clock: clock, to: try Self.periodEnd(scheduled).addingTimeInterval(60))
                let free = try await BillingFixtures.waitForSubscription(ctx, user, "free") { $0["plan_id"] as? String == "free" }
                #expect(free["cancel_at_period_end"] as? Bool == false)
            }
        }
    }
}
