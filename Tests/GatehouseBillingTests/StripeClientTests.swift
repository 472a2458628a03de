import Foundation
import GatehouseBilling
import Testing

/// Gatehouse's `StripeClient` against the simulator over real HTTP: the calls Gatehouse makes,
/// in Stripe's wire format, with Stripe's errors, idempotency and retries.
@Suite struct StripeClientTests {
    @Test func checkoutThroughThePageCreatesAnActiveSubscription() async throws {
        try await SimulatorHarness.run { harness in
            let client = harness.client()
            let email = "buyer-\(UUID().uuidString.prefix(8))@example.com"
            let customer = try await client.createCustomer(email: email, name: "Buyer", metadata: ["tenant_id": "t-1"])
            #expect(customer.id.hasPrefix("cus_"))
            #expect(customer.metadata == ["tenant_id": "t-1"])

            let session = try await client.createCheckoutSession(StripeCheckoutSessionParams(
                price: "price_pro_monthly", customer: customer.id, clientReferenceID: "tenant-1",
                successURL: "https://app.example/billing/done?session={CHECKOUT_SESSION_ID}",
                cancelURL: "https://app.example/billing", metadata: ["plan_id": "pro"]))
            #expect(session.status == "open")
            #expect(session.url == "\(harness.baseURL)/stripe-sim/checkout/\(session.id)")
            #expect(session.metadata == ["plan_id": "pro"])

            let page = try await harness.get(try #require(session.url), authorized: false)
            #expect(page.status == 200)
            #expect(page.headers["content-type"]?.hasPrefix("text/html") == true)
            #expect(page.body.contains("Gatehouse Pro") && page.body.contains("$29.00 / month"))

            let paid = try await harness.pay(session, card: "4242 4242 4242 4242")
            #expect(paid.status == 303)
            #expect(paid.headers["location"] == "https://app.example/billing/done?session=\(session.id)")

            let completed = try await client.retrieveCheckoutSession(id: session.id)
            #expect(completed.status == "complete")
            #expect(completed.paymentStatus == "paid")
            #expect(completed.clientReferenceID == "tenant-1")
            #expect(completed.url == nil)
            let subscriptionID = try #require(completed.subscription)

            let subscription = try await client.retrieveSubscription(id: subscriptionID)
            #expect(subscription.status == "active")
            #expect(subscription.customer == customer.id)
            #expect(subscription.price?.id == "price_pro_monthly")
            #expect(subscription.price?.recurring?.interval == "month")
            #expect(subscription.price?.product == "prod_pro")
            let start = try #require(subscription.currentPeriodStart), end = try #require(subscription.currentPeriodEnd)
            #expect((28 * 86_400...31 * 86_400).contains(end - start))

            #expect(try await harness.eventTypes(about: subscriptionID) == [
                "customer.subscription.created", "customer.subscription.updated",
            ])
            let completedEvent = try #require(try await harness.events(about: session.id).first)
            #expect(completedEvent.type == "checkout.session.completed")
            #expect(try completedEvent.checkoutSession()?.subscription == subscriptionID)
        }
    }

    @Test func aDeclinedCardChangesNothing() async throws {
        try await SimulatorHarness.run { harness in
            let client = harness.client()
            let session = try await client.createCheckoutSession(StripeCheckoutSessionParams(
                price: "price_starter_yearly", customerEmail: "declined@example.com",
                successURL: "https://app.example/ok", cancelURL: "https://app.example/cancel"))
            let declined = try await harness.pay(session, card: "4000 0000 0000 0341")
            #expect(declined.status == 402)
            #expect(declined.body.contains("Your card was declined."))
            let unknown = try await harness.pay(session, card: "1234 5678")
            #expect(unknown.status == 400)

            let still = try await client.retrieveCheckoutSession(id: session.id)
            #expect(still.status == "open")
            #expect(still.subscription == nil && still.customer == nil)
            #expect(try await harness.events(about: session.id).isEmpty)
        }
    }

    @Test func priceSwitchCancellationAndDeletion() async throws {
        try await SimulatorHarness.run { harness in
            let client = harness.client()
            let subscription = try await harness.subscribe(price: "price_starter_monthly")
            let itemID = try #require(subscription.items.first?.id)

            let switched = try await client.updateSubscription(
                id: subscription.id, .switchPrice(itemID: itemID, to: "price_business_monthly", prorationBehavior: .noProrations))
            #expect(switched.price?.id == "price_business_monthly")
            #expect(switched.currentPeriodEnd == subscription.currentPeriodEnd)

            let yearly = try await client.updateSubscription(id: subscription.id, .switchPrice(itemID: itemID, to: "price_business_yearly"))
            #expect(yearly.price?.recurring?.interval == "year")
            let start = try #require(yearly.currentPeriodStart), end = try #require(yearly.currentPeriodEnd)
            #expect((365 * 86_400...366 * 86_400).contains(end - start))
            #expect(yearly.status == "active")

            let scheduled = try await client.updateSubscription(id: subscription.id, StripeSubscriptionUpdateParams(cancelAtPeriodEnd: true))
            #expect(scheduled.cancelAtPeriodEnd && scheduled.status == "active" && scheduled.canceledAt != nil)
            let resumed = try await client.updateSubscription(id: subscription.id, StripeSubscriptionUpdateParams(cancelAtPeriodEnd: false))
            #expect(!resumed.cancelAtPeriodEnd && resumed.canceledAt == nil)

            let canceled = try await client.cancelSubscription(id: subscription.id)
            #expect(canceled.status == "canceled" && canceled.endedAt != nil)
            let types = try await harness.eventTypes(about: subscription.id)
            #expect(types.last == "customer.subscription.deleted")
            #expect(types.filter { $0 == "customer.subscription.updated" }.count == 5)

            let updated = try #require(try await harness.events(about: subscription.id).first {
                $0.type == "customer.subscription.updated" && (try? $0.subscription()?.cancelAtPeriodEnd) == true
            })
            #expect(updated.previousAttributes?["cancel_at_period_end"] == .bool(false))
        }
    }

    @Test func stripeErrorsAreMapped() async throws {
        try await SimulatorHarness.run { harness in
            let client = harness.client()
            let missing = await #expect(throws: StripeError.self) { try await client.retrieveSubscription(id: "sub_nope") }
            #expect(missing?.kind == .notFound && missing?.httpStatus == 404 && missing?.code == "resource_missing")

            let badPrice = await #expect(throws: StripeError.self) {
                try await client.createCheckoutSession(StripeCheckoutSessionParams(
                    price: "price_gold", successURL: "https://x.example/ok", cancelURL: "https://x.example/no"))
            }
            #expect(badPrice?.kind == .invalidRequest && badPrice?.param == "line_items[0][price]")

            let unauthenticated = try await harness.get("/stripe-sim/v1/prices", authorized: false)
            #expect(unauthenticated.status == 401)
            #expect(try unauthenticated.json["error"]?["type"] == "invalid_request_error")

            let wrongKey = StripeClient(apiBase: harness.apiBase, secretKey: "pk_test_public", httpClient: harness.http)
            let refused = await #expect(throws: StripeError.self) { try await wrongKey.retrieveSubscription(id: "sub_x") }
            #expect(refused?.kind == .authentication)
        }
    }

    @Test func anIdempotencyKeyReplaysTheFirstAnswerAndRefusesOtherParameters() async throws {
        try await SimulatorHarness.run { harness in
            let client = harness.client()
            let key = "gatehouse-test-\(UUID())"
            let first = try await client.createCustomer(email: "idem@example.com", idempotencyKey: key)
            let again = try await client.createCustomer(email: "idem@example.com", idempotencyKey: key)
            #expect(again.id == first.id)
            #expect(try await harness.eventTypes(about: first.id) == ["customer.created"])

            let conflict = await #expect(throws: StripeError.self) {
                try await client.createCustomer(email: "other@example.com", idempotencyKey: key)
            }
            #expect(conflict?.kind == .idempotency && conflict?.httpStatus == 400 && conflict?.type == "idempotency_error")

            let replay = try await harness.post("/stripe-sim/v1/customers", form: [("email", "idem@example.com")],
                                                headers: ["Idempotency-Key": key])
            #expect(replay.headers["idempotent-replayed"] == "true")
            #expect(try replay.json["id"]?.stringValue == first.id)
        }
    }

    @Test func serverErrorsAreRetriedWithTheSameIdempotencyKey() async throws {
        try await SimulatorHarness.run { harness in
            // The next customer creation is carried out but its answer is lost (a 500): the
            // client's retry must get the same customer back, not make a second one.
            let injected = try await harness.post("/stripe-sim/sim/faults",
                                                  form: [("path", "/v1/customers"), ("status", "500"), ("when", "after")])
            #expect(injected.status == 200)
            let email = "retry-\(UUID().uuidString.prefix(8))@example.com"
            let customer = try await harness.client(maxRetries: 2).createCustomer(email: email)
            let created = try await harness.allEvents(types: ["customer.created"])
                .filter { (try? $0.customer()?.email) == email }
            #expect(created.map(\.objectID) == [customer.id])

            // Without retries the 500 is the caller's error.
            _ = try await harness.post("/stripe-sim/sim/faults", form: [("path", "/v1/customers"), ("status", "503")])
            let failed = await #expect(throws: StripeError.self) {
                try await harness.client(maxRetries: 0).createCustomer(email: "no-retry@example.com")
            }
            #expect(failed?.kind == .api && failed?.httpStatus == 503)
        }
    }

    @Test func portalSessionsLinkToThePortalPage() async throws {
        try await SimulatorHarness.run { harness in
            let subscription = try await harness.subscribe(price: "price_pro_yearly")
            let portal = try await harness.client().createBillingPortalSession(
                customer: subscription.customer, returnURL: "https://app.example/billing")
            #expect(portal.url == "\(harness.baseURL)/stripe-sim/portal/\(portal.id)")
            #expect(portal.returnURL == "https://app.example/billing")
            let page = try await harness.get(portal.url, authorized: false)
            #expect(page.status == 200)
            #expect(page.body.contains("Gatehouse Pro") && page.body.contains("$290.00 / year"))
            #expect(page.body.contains("action=\"\(portal.url)/cancel\""))
        }
    }
}

extension SimulatorHarness {
    /// A customer (on `testClock`, if given) who paid a checkout for `price` with 4242.
    func subscribe(price: String, testClock: String? = nil) async throws -> StripeSubscription {
        let client = client()
        let customer = try await client.createCustomer(email: "sub-\(UUID().uuidString.prefix(8))@example.com", testClock: testClock)
        let session = try await client.createCheckoutSession(StripeCheckoutSessionParams(
            price: price, customer: customer.id, successURL: "https://app.example/ok", cancelURL: "https://app.example/no"))
        let paid = try await pay(session, card: "4242424242424242")
        guard paid.status == 303, let id = try await client.retrieveCheckoutSession(id: session.id).subscription else {
            throw HarnessError("checkout \(session.id) was not paid: \(paid.status) \(paid.body.prefix(300))")
        }
        return try await client.retrieveSubscription(id: id)
    }
}
