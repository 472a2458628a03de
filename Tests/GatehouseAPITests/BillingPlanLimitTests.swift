import Foundation
import GatehouseCore
import GatehouseTestSupport
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

extension BillingSuites {
    /// A plan change applies to the enforced limits at once: an upgrade admits what the old plan
    /// refused, and a downgrade below current usage keeps what exists but refuses anything new past
    /// the new limit with 402 `plan_limit_exceeded`.
    @Suite("Billing: plan changes move the enforced session and message limits at once")
    struct BillingPlanLimitTests {
        static func createSession(_ ctx: BillingTestApp.Context, _ headers: HTTPFields, _ name: String) async throws -> TestJSONResponse {
            try await ctx.client.requestJSON(.post, "/api/v2/sessions", headers: headers, body: ["name": name])
        }

        @Test func upgradeAndDowngradeMoveTheSessionLimit() async throws {
            try await BillingTestApp.run { ctx in
                let owner = try await BillingFixtures.owner(ctx)
                let key = try await TestKeys.create(tenantID: owner.tenantID, scopes: [.sessionsManage, .sessionsRead], rateLimitRPM: 0)
                let headers: HTTPFields = [HTTPField.Name("X-API-Key")!: key.raw]

                // Free: one live session.
                #expect(try await Self.createSession(ctx, headers, "s1").status == 201)
                var refused = try await Self.createSession(ctx, headers, "s2")
                #expect(refused.status == 402, "\(refused.text)")
                #expect(refused.error == "plan_limit_exceeded")

                // Pro (paid through the simulator's checkout): three.
                try await BillingFixtures.subscribe(ctx, owner, plan: "pro")
                #expect(try await Self.createSession(ctx, headers, "s2").status == 201)
                #expect(try await Self.createSession(ctx, headers, "s3").status == 201)
                refused = try await Self.createSession(ctx, headers, "s4")
                #expect(refused.status == 402, "\(refused.text)")

                // Down to Starter (two) in the billing portal while three are live.
                let portal = try await BillingFixtures.portal(ctx, owner)
                let switched = try await BillingFixtures.postForm(ctx, portal + "/plan", ["price": "price_starter_monthly"])
                #expect(switched.status == 303, "\(switched.text)")
                try await BillingFixtures.waitForSubscription(ctx, owner, "starter") { $0["plan_id"] as? String == "starter" }
                // Existing sessions are kept...
                let listed = try await ctx.client.requestJSON(.get, "/api/v2/sessions", headers: headers)
                #expect((listed.object["items"] as? [Any])?.count == 3)
                // ...but nothing new past the limit, not even after deleting one (2 live = the limit).
                refused = try await Self.createSession(ctx, headers, "s4")
                #expect(refused.status == 402)
                #expect(refused.error == "plan_limit_exceeded")
                let first = try #require(((listed.object["items"] as? [[String: Any]])?.last?["id"]) as? String)
                #expect(try await ctx.client.requestJSON(.delete, "/api/v2/sessions/\(first)", headers: headers).status == 204)
                #expect(try await Self.createSession(ctx, headers, "s4").status == 402)
                let second = try #require(((listed.object["items"] as? [[String: Any]])?.first?["id"]) as? String)
                #expect(try await ctx.client.requestJSON(.delete, "/api/v2/sessions/\(second)", headers: headers).status == 204)
                #expect(try await Self.createSession(ctx, headers, "s4").status == 201)
            }
        }

        @Test func anUpgradeLiftsTheMonthlyMessageLimitAtOnce() async throws {
            try await BillingTestApp.run { ctx in
                let owner = try await BillingFixtures.owner(ctx)
                let key = try await TestKeys.create(tenantID: owner.tenantID, scopes: [.sessionsManage, .messagesSend], rateLimitRPM: 0)
                let headers: HTTPFields = [HTTPField.Name("X-API-Key")!: key.raw]
                let session = try #require(try await Self.createSession(ctx, headers, "sender").object["id"] as? String)
                func send() async throws -> TestJSONResponse {
                    try await ctx.client.requestJSON(.post, "/api/v2/messages", headers: headers,
                                                     body: ["session_id": session, "to": "+15551234567", "text": "hello"])
                }
                // Free allows 100 messages a month.
                for number in 1...100 {
                    let sent = try await send()
                    if sent.status != 202 { Issue.record("message \(number): \(sent.text)"); return }
                }
                var refused = try await send()
                #expect(refused.status == 402, "\(refused.text)")
                #expect(refused.error == "plan_limit_exceeded")
                #expect(refused.object["limit"] as? String == "max_messages_per_month")

                try await BillingFixtures.subscribe(ctx, owner, plan: "starter")
                #expect(try await send().status == 202)
                let usage = try await BillingFixtures.subscription(ctx, owner).object["usage"] as? [String: Int]
                #expect(usage?["messages_this_month"] == 101)

                // Cancelled at once at Stripe (not at the period's end): back to free, 101 > 100 kept, the next refused.
                let subscriptionID = try #require(try await ctx.billing.subscription(tenantID: owner.tenantID).stripeSubscriptionID)
                _ = try await ctx.stripe.cancelSubscription(id: subscriptionID)
                try await BillingFixtures.waitForSubscription(ctx, owner, "free") { $0["plan_id"] as? String == "free" }
                refused = try await send()
                #expect(refused.status == 402, "\(refused.text)")
            }
        }
    }
}
