import Foundation
import GatehouseCore
import GatehouseStore
import GatehouseTestSupport
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

extension BillingSuites {
    /// Plans, the subscription with real usage, and the whole checkout over HTTP: Gatehouse asks
    /// the simulator for a checkout session, the test opens its page and submits its form, the
    /// simulator's webhook reaches Gatehouse, and the plan and its limits follow.
    @Suite("Billing: plans, subscription, checkout through the simulator's pages")
    struct BillingCheckoutTests {
        static let proLimits: [String: Int] = [
            "max_sessions": 3, "max_messages_per_month": 5000, "max_groups": 10, "max_labels": 50, "ai_replies_per_month": 500]
        static let freeLimits: [String: Int] = [
            "max_sessions": 1, "max_messages_per_month": 100, "max_groups": 2, "max_labels": 10, "ai_replies_per_month": 20]

        @Test func plansArePublicWithPricesAndLimits() async throws {
            try await BillingTestApp.run { ctx in
                let response = try await ctx.client.requestJSON(.get, "/api/v2/billing/plans")
                #expect(response.status == 200, "\(response.text)")
                let items = try #require(response.object["items"] as? [[String: Any]])
                #expect(items.map { $0["id"] as? String } == ["free", "starter", "pro", "business"])
                let pro = try #require(items.first { $0["id"] as? String == "pro" })
                #expect(pro["display_name"] as? String == "Pro")
                #expect(pro["price_monthly"] as? String == "29.000000")
                #expect(pro["price_yearly"] as? String == "290.000000")
                #expect(pro["currency"] as? String == "usd")
                #expect(pro["limits"] as? [String: Int] == Self.proLimits)
                let business = try #require(items.last)
                #expect(business["limits"] as? [String: Int] == [
                    "max_sessions": 10, "max_messages_per_month": 50000, "max_groups": 100, "max_labels": 500,
                    "ai_replies_per_month": 5000])
            }
        }

        @Test func aPaidCheckoutPutsTheTenantOnProWithProLimits() async throws {
            try await BillingTestApp.run { ctx in
                let user = try await BillingFixtures.owner(ctx)
                var subscription = try await BillingFixtures.subscription(ctx, user)
                #expect(subscription.status == 200, "\(subscription.text)")
                #expect(subscription.object["plan_id"] as? String == "free")
                #expect(subscription.object["status"] as? String == "active")
                // No paid period: null (the generated encoder leaves a nil field out).
                #expect(subscription.object["current_period_end"] == nil || subscription.object["current_period_end"] is NSNull)
                #expect(subscription.object["limits"] as? [String: Int] == Self.freeLimits)

                let checkout = try await BillingFixtures.checkout(ctx, user, plan: "pro")
                #expect(checkout.path.hasPrefix("/stripe-sim/checkout/"))
                #expect(checkout.sessionID.hasPrefix("cs_"))
                // Nothing changes before the payment.
                subscription = try await BillingFixtures.subscription(ctx, user)
                #expect(subscription.object["plan_id"] as? String == "free")

                let paid = try await BillingFixtures.pay(ctx, checkout.path, card: BillingFixtures.payingCard)
                #expect(paid.status == 303, "\(paid.text)")
                #expect(paid.headers[.location]?.contains("session_id=\(checkout.sessionID)") == true)

                let pro = try await BillingFixtures.waitForSubscription(ctx, user, "pro") { $0["plan_id"] as? String == "pro" }
                #expect(pro["display_name"] as? String == "Pro")
                #expect(pro["status"] as? String == "active")
                #expect(pro["billing_cycle"] as? String == "monthly")
                #expect(pro["cancel_at_period_end"] as? Bool == false)
                #expect(pro["limits"] as? [String: Int] == Self.proLimits)
                let periodEnd = try #require((pro["current_period_end"] as? String).flatMap { try? Date($0, strategy: .iso8601) })
                #expect(periodEnd > Date().addingTimeInterval(27 * 24 * 3600))

                // The plan change is in the tenant's audit log, made by the system (Stripe's webhook).
                let audit = try await ctx.client.requestJSON(.get, "/api/v2/audit-events", headers: user.authorization)
                #expect(audit.status == 200, "\(audit.text)")
                let change = (audit.object["items"] as? [[String: Any]])?.first { $0["action"] as? String == "subscription.plan_change" }
                #expect(change?["actor_type"] as? String == "system", "\(audit.text)")
                #expect((change?["changes"] as? [String: Any])?["from"] as? String == "free")
                #expect((change?["changes"] as? [String: Any])?["to"] as? String == "pro")

                // Already subscribed: plan changes go through the portal, not a second subscription.
                let again = try await ctx.client.requestJSON(.post, "/api/v2/billing/checkout", headers: user.authorization,
                                                             body: ["plan_id": "business", "billing_cycle": "monthly"])
                #expect(again.status == 409, "\(again.text)")
                #expect(again.error == "conflict")
            }
        }

        @Test func aDeclinedCardLeavesTheTenantOnFree() async throws {
            try await BillingTestApp.run { ctx in
                let user = try await BillingFixtures.owner(ctx)
                let checkout = try await BillingFixtures.checkout(ctx, user, plan: "pro", cycle: "yearly")
                let declined = try await BillingFixtures.pay(ctx, checkout.path, card: BillingFixtures.decliningCard)
                #expect(declined.status == 402, "\(declined.text)")
                #expect(declined.text.contains("declined"))
                // Stripe still has the session open and unpaid; no subscription exists.
                let session = try await ctx.stripe.retrieveCheckoutSession(id: checkout.sessionID)
                #expect(session.status == "open")
                #expect(session.subscription == nil)
                let subscription = try await BillingFixtures.subscription(ctx, user)
                #expect(subscription.object["plan_id"] as? String == "free")
                #expect(subscription.object["limits"] as? [String: Int] == Self.freeLimits)
                // The same session can still be paid with a good card afterwards.
                let paid = try await BillingFixtures.pay(ctx, checkout.path, card: BillingFixtures.payingCard)
                #expect(paid.status == 303, "\(paid.text)")
                let pro = try await BillingFixtures.waitForSubscription(ctx, user, "pro") { $0["plan_id"] as? String == "pro" }
                #expect(pro["billing_cycle"] as? String == "yearly")
            }
        }

        @Test func subscriptionUsageIsCountedFromTheTenantsData() async throws {
            // A pinned clock: "this month" cannot turn between the writes and the reads.
            let clock = TestClock("2026-03-10T12:00:00Z")
            var configuration = try await BillingTestApp.configuration()
            configuration.clock = clock.function
            try await BillingTestApp.run(configuration) { ctx in
                let user = try await TestUsers.addUser(
                    role: .owner, tenantID: try await TestTenant.create(in: ctx.database, name: "Billing tenant"),
                    now: clock.function, in: ctx.database, publicURL: ctx.configuration.publicURL)
                try await AdminFixtures.setPlan("business", tenantID: user.tenantID, database: ctx.database)
                let key = try await TestKeys.create(tenantID: user.tenantID, scopes: [.sessionsManage, .messagesSend, .billingRead, .usageWrite],
                                                    rateLimitRPM: 0)
                let headers: HTTPFields = [HTTPField.Name("X-API-Key")!: key.raw]
                var sessions: [String] = []
                for name in ["a", "b", "c"] {
                    let created = try await ctx.client.requestJSON(.post, "/api/v2/sessions", headers: headers, body: ["name": name])
                    #expect(created.status == 201, "\(created.text)")
                    sessions.append(try #require(created.object["id"] as? String))
                }
                #expect(try await ctx.client.requestJSON(.delete, "/api/v2/sessions/\(sessions[2])", headers: headers).status == 204)
                for _ in 0..<4 {
                    let sent = try await ctx.client.requestJSON(.post, "/api/v2/messages", headers: headers,
                                                                body: ["session_id": sessions[0], "to": "+15551234567", "text": "hi"])
                    #expect(sent.status == 202, "\(sent.text)")
                }
                // Meters reported by the tenant's own services: gauges count their latest value, ai_replies add up
                // within the month.
                let iso = Date.ISO8601FormatStyle()
                let now = clock.now
                for (meter, quantity, at) in [
                    ("groups", 7, now.addingTimeInterval(-60)), ("groups", 4, now), ("labels", 12, now),
                    ("ai_replies", 5, now), ("ai_replies", 6, now), ("ai_replies", 100, TestClock.date("2026-02-28T23:59:59Z")),
                ] {
                    let reported = try await ctx.client.requestJSON(.post, "/api/v2/usage/events", headers: headers,
                                                                    body: ["meter": meter, "quantity": quantity, "at": iso.format(at)])
                    #expect(reported.status == 201, "\(reported.text)")
                }
                // A key with billing:read sees the same answer as the owner.
                for auth in [user.authorization, headers] {
                    let subscription = try await ctx.client.requestJSON(.get, "/api/v2/billing/subscription", headers: auth)
                    #expect(subscription.status == 200, "\(subscription.text)")
                    #expect(subscription.object["plan_id"] as? String == "business")
                    #expect(subscription.object["usage"] as? [String: Int] == [
                        "sessions": 2, "messages_this_month": 4, "groups": 4, "labels": 12, "ai_replies_this_month": 11])
                }
            }
        }

        @Test func whoMayBuyAndWhatIsRefused() async throws {
            try await BillingTestApp.run { ctx in
                let owner = try await BillingFixtures.owner(ctx)
                let member = try await BillingFixtures.user(ctx, .member, tenantID: owner.tenantID)
                // Members may read the subscription but not buy.
                #expect(try await BillingFixtures.subscription(ctx, member).status == 200)
                var response = try await ctx.client.requestJSON(.post, "/api/v2/billing/checkout", headers: member.authorization,
                                                                body: ["plan_id": "pro", "billing_cycle": "monthly"])
                #expect(response.status == 403, "\(response.text)")
                let readOnly = try await TestKeys.create(tenantID: owner.tenantID, scopes: [.billingRead])
                response = try await ctx.client.requestJSON(.post, "/api/v2/billing/checkout",
                                                            headers: [HTTPField.Name("X-API-Key")!: readOnly.raw],
                                                            body: ["plan_id": "pro", "billing_cycle": "monthly"])
                #expect(response.status == 403)
                #expect(response.error == "insufficient_scope")
                // No credentials: 401.
                #expect(try await ctx.client.requestJSON(.get, "/api/v2/billing/subscription").status == 401)

                // Bad input changes nothing and names the field.
                for body: [String: Any] in [
                    ["plan_id": "free", "billing_cycle": "monthly"], ["plan_id": "gold", "billing_cycle": "monthly"],
                    ["plan_id": "pro", "billing_cycle": "weekly"], ["plan_id": "pro"], ["billing_cycle": "monthly"],
                ] {
                    response = try await ctx.client.requestJSON(.post, "/api/v2/billing/checkout", headers: owner.authorization, body: body)
                    #expect([400, 422].contains(response.status), "\(body): \(response.text)")
                    #expect((response.object["errors"] as? [[String: Any]])?.isEmpty == false, "\(body): \(response.text)")
                }
                // Nothing to manage or cancel before a first checkout.
                response = try await ctx.client.requestJSON(.post, "/api/v2/billing/portal", headers: owner.authorization)
                #expect(response.status == 409, "\(response.text)")
                response = try await ctx.client.requestJSON(.post, "/api/v2/billing/cancel", headers: owner.authorization)
                #expect(response.status == 409, "\(response.text)")

                // An account whose email is not verified may not start a paid checkout.
                let unverified = try await ctx.client.signUp()
                response = try await ctx.client.requestJSON(.post, "/api/v2/billing/checkout", headers: unverified.authorization,
                                                            body: ["plan_id": "pro", "billing_cycle": "monthly"])
                #expect(response.status == 403, "\(response.text)")
                #expect(try await BillingFixtures.subscription(ctx, owner).object["plan_id"] as? String == "free")
            }
        }
    }
}
