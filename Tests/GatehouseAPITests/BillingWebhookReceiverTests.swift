import Foundation
import GatehouseAPI
import GatehouseBilling
import GatehouseCore
import GatehouseStore
import GatehouseTestSupport
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

extension BillingSuites {
    /// The receiver `POST /api/v2/billing/webhook` with real simulator events. Each test has a
    /// database of its own, so the simulator's events, deliveries and faults are the test's alone.
    @Suite("Billing: the Stripe webhook receiver (signatures, once per event, out of order, retries, recovery)")
    struct BillingWebhookReceiverTests {
        /// The app on a scratch database; with `delivers: false` the simulator keeps its events and
        /// the test delivers them itself.
        static func run<Value: Sendable>(delivers: Bool, _ body: @Sendable (BillingTestApp.Context) async throws -> Value) async throws -> Value {
            var configuration = try await BillingTestApp.configuration()
            configuration.databaseURL = try await BillingTestApp.scratchDatabaseURL()
            configuration.stripeSimulatorDeliversWebhooks = delivers
            return try await BillingTestApp.run(configuration, body)
        }

        /// The simulator's events, oldest first, as JSON objects.
        static func events(_ ctx: BillingTestApp.Context) async throws -> [[String: Any]] {
            let list = try await BillingFixtures.simulatorGET(ctx, "/v1/events?limit=100")
            return ((list["data"] as? [[String: Any]]) ?? []).reversed()
        }

        /// The newest event of `type`.
        static func newest(_ ctx: BillingTestApp.Context, _ type: String) async throws -> [String: Any] {
            try #require(try await events(ctx).last { $0["type"] as? String == type }, "no \(type) event")
        }

        /// POSTs `event` to the receiver, signed as Stripe signs (or as told otherwise).
        static func deliver(
            _ ctx: BillingTestApp.Context, _ event: [String: Any], secret: String? = nil, signedAt: Date = Date(),
            header: ((String) -> String?)? = nil, tamper: Bool = false
        ) async throws -> TestJSONResponse {
            let payload = Array(try JSONSerialization.data(withJSONObject: event).utf8Bytes)
            let signature = StripeWebhookSignature.sign(
                payload: payload, secret: secret ?? ctx.configuration.resolvedStripeWebhookSecret, timestamp: signedAt)
            var sent = payload
            if tamper, let index = sent.firstIndex(of: UInt8(ascii: "1")) { sent[index] = UInt8(ascii: "2") }
            var headers: HTTPFields = [.contentType: "application/json; charset=utf-8"]
            if let value = header.map({ $0(signature) }) ?? signature { headers[HTTPField.Name("Stripe-Signature")!] = value }
            return try await ctx.client.send(.post, "/api/v2/billing/webhook", headers: headers, body: ByteBuffer(bytes: sent))
        }

        static func plan(_ ctx: BillingTestApp.Context, _ user: TestUser) async throws -> [String: Any] {
            try await BillingFixtures.subscription(ctx, user).object
        }

        @Test func aMissingStaleOrWrongSignatureIs400AndChangesNothing() async throws {
            try await Self.run(delivers: false) { ctx in
                let user = try await BillingFixtures.owner(ctx)
                let checkout = try await BillingFixtures.checkout(ctx, user, plan: "pro")
                #expect(try await BillingFixtures.pay(ctx, checkout.path, card: BillingFixtures.payingCard).status == 303)
                let completed = try await Self.newest(ctx, "checkout.session.completed")

                let refusals: [(String, TestJSONResponse)] = [
                    ("tampered body", try await Self.deliver(ctx, completed, tamper: true)),
                    ("wrong secret", try await Self.deliver(ctx, completed, secret: "whsec_not_the_endpoint_secret")),
                    // Well past the 300-second tolerance either way, however slow the run.
                    ("stale timestamp", try await Self.deliver(ctx, completed, signedAt: Date().addingTimeInterval(-900))),
                    ("future timestamp", try await Self.deliver(ctx, completed, signedAt: Date().addingTimeInterval(900))),
                    ("missing header", try await Self.deliver(ctx, completed, header: { _ in nil })),
                    ("no v1", try await Self.deliver(ctx, completed, header: { $0.replacingOccurrences(of: "v1=", with: "v0=") })),
                    ("garbage", try await Self.deliver(ctx, completed, header: { _ in "nonsense" })),
                ]
                for (what, response) in refusals {
                    #expect(response.status == 400, "\(what): \(response.text)")
                    #expect(response.error == "invalid_request", "\(what)")
                }
                #expect(try await Self.plan(ctx, user)["plan_id"] as? String == "free")

                // Several v1 values (a secret being rolled): one match is enough. The refused
                // deliveries above recorded nothing, so this one applies.
                let rolled = try await Self.deliver(ctx, completed, header: { "\($0),v1=\(String(repeating: "0", count: 64))" })
                #expect(rolled.status == 200, "\(rolled.text)")
                #expect(rolled.object["received"] as? Bool == true)
                #expect(try await Self.plan(ctx, user)["plan_id"] as? String == "pro")
            }
        }

        @Test func eachEventAppliesOnceAndAnOlderEventCannotUndoANewerState() async throws {
            try await Self.run(delivers: false) { ctx in
                let user = try await BillingFixtures.owner(ctx)
                let checkout = try await BillingFixtures.checkout(ctx, user, plan: "pro")
                #expect(try await BillingFixtures.pay(ctx, checkout.path, card: BillingFixtures.payingCard).status == 303)
                for event in try await Self.events(ctx) {
                    #expect(try await Self.deliver(ctx, event).status == 200)
                }
                var state = try await Self.plan(ctx, user)
                #expect(state["plan_id"] as? String == "pro")
                #expect(state["cancel_at_period_end"] as? Bool == false)
                let completed = try await Self.newest(ctx, "checkout.session.completed")
                let subscriptionID = try #require(try await ctx.billing.subscription(tenantID: user.tenantID).stripeSubscriptionID)

                // Stripe changes the subscription; its event is not delivered yet. Redelivering an
                // event already applied changes nothing: applying it again would have refetched the
                // subscription and shown the cancellation.
                _ = try await ctx.stripe.updateSubscription(id: subscriptionID, StripeSubscriptionUpdateParams(cancelAtPeriodEnd: true))
                let repeated = try await Self.deliver(ctx, completed)
                #expect(repeated.status == 200, "\(repeated.text)")
                #expect(try await Self.plan(ctx, user)["cancel_at_period_end"] as? Bool == false)
                let cancelEvent = try await Self.newest(ctx, "customer.subscription.updated")
                _ = try await ctx.stripe.updateSubscription(id: subscriptionID, StripeSubscriptionUpdateParams(cancelAtPeriodEnd: false))
                let resumeEvent = try await Self.newest(ctx, "customer.subscription.updated")
                #expect(resumeEvent["id"] as? String != cancelEvent["id"] as? String)

                // Then a switch to Business. Its event arrives first...
                let item = try #require(try await ctx.stripe.retrieveSubscription(id: subscriptionID).items.first?.id)
                _ = try await ctx.stripe.updateSubscription(id: subscriptionID, .switchPrice(itemID: item, to: "price_business_monthly"))
                let switchEvent = try await Self.newest(ctx, "customer.subscription.updated")
                #expect(try await Self.deliver(ctx, switchEvent).status == 200)
                state = try await Self.plan(ctx, user)
                #expect(state["plan_id"] as? String == "business")
                #expect(state["cancel_at_period_end"] as? Bool == false)
                // ...and the older ones after it: their copies say pro and cancel, the current state
                // at Stripe says business and not cancelled, and that is what stays.
                for older in [cancelEvent, resumeEvent] {
                    #expect(try await Self.deliver(ctx, older).status == 200)
                }
                state = try await Self.plan(ctx, user)
                #expect(state["plan_id"] as? String == "business")
                #expect(state["cancel_at_period_end"] as? Bool == false)
                #expect((state["limits"] as? [String: Int])?["max_sessions"] == 10)
            }
        }

        @Test func aWebhookThatFailedTwiceIsRetriedAndApplied() async throws {
            try await Self.run(delivers: true) { ctx in
                let user = try await BillingFixtures.owner(ctx)
                try await BillingFixtures.subscribe(ctx, user, plan: "pro")
                try await Self.waitForNoPendingDeliveries(ctx)
                let subscriptionID = try #require(try await ctx.billing.subscription(tenantID: user.tenantID).stripeSubscriptionID)

                // The receiver refetches the subscription from Stripe; make Stripe fail that read
                // for two whole deliveries (each delivery's read is tried stripeMaxRetries + 1 times),
                // so the receiver answers 503 twice and the simulator retries.
                let retries = ctx.configuration.stripeMaxRetries
                _ = try await BillingFixtures.simulatorPOST(ctx, "/sim/faults", [
                    "path": "/v1/subscriptions/\(subscriptionID)", "method": "GET", "status": "500",
                    "count": "\(2 * (retries + 1))"])
                _ = try await ctx.stripe.updateSubscription(id: subscriptionID, StripeSubscriptionUpdateParams(cancelAtPeriodEnd: true))
                let event = try await Self.newest(ctx, "customer.subscription.updated")
                let eventID = try #require(event["id"] as? String)

                try await BillingFixtures.waitForSubscription(ctx, user, "cancel applied") { $0["cancel_at_period_end"] as? Bool == true }
                let deliveries = try await BillingFixtures.simulatorGET(ctx, "/sim/webhook_deliveries?event=\(eventID)")
                let delivery = try #require((deliveries["data"] as? [[String: Any]])?.first)
                #expect(delivery["status"] as? String == "succeeded", "\(delivery)")
                #expect(delivery["attempts"] as? Int == 3, "\(delivery)")
                #expect(delivery["last_response_status"] as? Int == 200, "\(delivery)")
            }
        }

        @Test func eventsMissedWhileDownAreRecoveredFromTheEventsListAtStartUp() async throws {
            var configuration = try await BillingTestApp.configuration()
            configuration.databaseURL = try await BillingTestApp.scratchDatabaseURL()
            configuration.stripeSimulatorDeliversWebhooks = false
            // First run: the customer pays, but no webhook reaches Gatehouse.
            let user = try await BillingTestApp.run(configuration) { ctx in
                let user = try await BillingFixtures.owner(ctx)
                let checkout = try await BillingFixtures.checkout(ctx, user, plan: "business", cycle: "yearly")
                #expect(try await BillingFixtures.pay(ctx, checkout.path, card: BillingFixtures.payingCard).status == 303)
                #expect(try await Self.plan(ctx, user)["plan_id"] as? String == "free")
                return user
            }
            // After a restart, reconciliation lists Stripe's events and applies the unapplied ones.
            configuration.billingReconcileInterval = .seconds(3600)
            try await BillingTestApp.run(configuration) { ctx in
                let state = try await BillingFixtures.waitForSubscription(ctx, user, "business") { $0["plan_id"] as? String == "business" }
                #expect(state["billing_cycle"] as? String == "yearly")
                #expect(state["status"] as? String == "active")
            }
        }

        /// Waits until the simulator has delivered everything it queued.
        static func waitForNoPendingDeliveries(_ ctx: BillingTestApp.Context) async throws {
            let deadline = ContinuousClock.now + .seconds(60)
            while ContinuousClock.now < deadline {
                let pending = try await BillingFixtures.simulatorGET(ctx, "/sim/webhook_deliveries?status=pending")
                if (pending["data"] as? [Any])?.isEmpty == true { return }
                try await Task.sleep(for: .milliseconds(100))
            }
            Issue.record("deliveries still pending")
        }
    }
}

private extension Data {
    var utf8Bytes: [UInt8] { [UInt8](self) }
}
