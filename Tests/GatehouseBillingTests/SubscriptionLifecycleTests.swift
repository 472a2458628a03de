import Foundation
import GatehouseBilling
import Testing

/// The subscription state machine in simulated time: test clocks run a month's renewal, a
/// failed renewal and the dunning retries in one test.
@Suite struct SubscriptionLifecycleTests {
    static func time(_ iso: String) -> Date { try! Date(iso, strategy: .iso8601) }

    @Test func renewsMonthlyFromTheAnchorDay() async throws {
        try await SimulatorHarness.run { harness in
            let client = harness.client()
            let clock = try await client.createTestClock(frozenTime: Self.time("2026-01-31T12:00:00Z"))
            let subscription = try await harness.subscribe(price: "price_pro_monthly", testClock: clock.id)
            #expect(subscription.currentPeriodStart == Int64(Self.time("2026-01-31T12:00:00Z").timeIntervalSince1970))
            #expect(subscription.currentPeriodEndDate == Self.time("2026-02-28T12:00:00Z"))

            let advanced = try await client.advanceTestClock(id: clock.id, to: Self.time("2026-04-01T00:00:00Z"))
            #expect(advanced.status == "ready" && advanced.frozenDate == Self.time("2026-04-01T00:00:00Z"))
            let renewed = try await client.retrieveSubscription(id: subscription.id)
            #expect(renewed.status == "active")
            #expect(renewed.currentPeriodStartDate == Self.time("2026-03-31T12:00:00Z"))
            #expect(renewed.currentPeriodEndDate == Self.time("2026-04-30T12:00:00Z"))

            let invoices = try await harness.invoices(of: subscription.id)
            #expect(invoices.map(\.billingReason) == ["subscription_cycle", "subscription_cycle", "subscription_create"])
            #expect(invoices.allSatisfy { $0.status == "paid" && $0.amountPaid == 2900 })
            let paid = try await harness.allEvents(types: ["invoice.paid"])
                .filter { (try? $0.invoice()?.subscription) == subscription.id }
            #expect(paid.count == 3)
            // Each event carries the simulated time it happened at.
            #expect(Set(paid.map(\.createdDate)) == [
                Self.time("2026-01-31T12:00:00Z"), Self.time("2026-02-28T12:00:00Z"), Self.time("2026-03-31T12:00:00Z"),
            ])
        }
    }

    @Test func aFailedRenewalIsRetriedThreeTimesThenCanceled() async throws {
        try await SimulatorHarness.run { harness in
            let client = harness.client()
            let clock = try await client.createTestClock(frozenTime: Self.time("2026-05-01T00:00:00Z"))
            let subscription = try await harness.subscribe(price: "price_starter_monthly", testClock: clock.id)
            _ = try await client.updateCustomer(id: subscription.customer, defaultPaymentMethod: "pm_card_chargeCustomerFail")

            _ = try await client.advanceTestClock(id: clock.id, to: Self.time("2026-06-01T01:00:00Z"))
            let pastDue = try await client.retrieveSubscription(id: subscription.id)
            #expect(pastDue.status == "past_due")
            let open = try #require(try await harness.invoices(of: subscription.id).first)
            #expect(open.status == "open" && open.attemptCount == 1)
            #expect(open.nextPaymentAttempt == Int64(Self.time("2026-06-02T00:00:00Z").timeIntervalSince1970))

            // Retries after 1, 2 and 4 days; the third retry failing ends the subscription.
            _ = try await client.advanceTestClock(id: clock.id, to: Self.time("2026-06-04T01:00:00Z"))
            #expect(try await client.retrieveSubscription(id: subscription.id).status == "past_due")
            let retried = try #require(try await harness.invoices(of: subscription.id).first)
            #expect(retried.attemptCount == 3)
            #expect(retried.nextPaymentAttempt == Int64(Self.time("2026-06-08T00:00:00Z").timeIntervalSince1970))

            _ = try await client.advanceTestClock(id: clock.id, to: Self.time("2026-06-09T00:00:00Z"))
            let canceled = try await client.retrieveSubscription(id: subscription.id)
            #expect(canceled.status == "canceled")
            #expect(canceled.endedAt == Int64(Self.time("2026-06-08T00:00:00Z").timeIntervalSince1970))
            let last = try #require(try await harness.invoices(of: subscription.id).first)
            #expect(last.status == "uncollectible" && last.attemptCount == 4 && last.nextPaymentAttempt == nil)

            let failures = try await harness.allEvents(types: ["invoice.payment_failed"])
                .filter { $0.objectID == open.id }
            #expect(failures.count == 4)
            let types = try await harness.eventTypes(about: subscription.id)
            #expect(types.last == "customer.subscription.deleted")
            let statuses = try await harness.events(about: subscription.id).compactMap { try $0.subscription()?.status }
            #expect(statuses == ["incomplete", "active", "past_due", "canceled"])

            // Nothing more happens to it.
            _ = try await client.advanceTestClock(id: clock.id, to: Self.time("2026-08-01T00:00:00Z"))
            #expect(try await harness.invoices(of: subscription.id).count == 2)
        }
    }

    @Test func aNewCardInThePortalPaysThePastDueInvoice() async throws {
        try await SimulatorHarness.run { harness in
            let client = harness.client()
            let clock = try await client.createTestClock(frozenTime: Self.time("2026-05-10T00:00:00Z"))
            let subscription = try await harness.subscribe(price: "price_pro_monthly", testClock: clock.id)
            let portal = try await client.createBillingPortalSession(customer: subscription.customer, returnURL: "https://app.example/b")

            // A card that attaches but declines: the next renewal fails.
            let failing = try await harness.post(portal.url + "/card", form: [("card_number", "4000 0000 0000 0341")], authorized: false)
            #expect(failing.status == 303)
            _ = try await client.advanceTestClock(id: clock.id, to: Self.time("2026-06-10T06:00:00Z"))
            #expect(try await client.retrieveSubscription(id: subscription.id).status == "past_due")

            let declined = try await harness.post(portal.url + "/card", form: [("card_number", "4000 0000 0000 0002")], authorized: false)
            #expect(declined.status == 400 && declined.body.contains("Your card was declined."))
            #expect(try await client.retrieveSubscription(id: subscription.id).status == "past_due")

            let fixed = try await harness.post(portal.url + "/card", form: [("card_number", "4242 4242 4242 4242")], authorized: false)
            #expect(fixed.status == 303)
            let active = try await client.retrieveSubscription(id: subscription.id)
            #expect(active.status == "active")
            let invoice = try #require(try await harness.invoices(of: subscription.id).first)
            #expect(invoice.status == "paid" && invoice.attemptCount == 2)
            let page = try await harness.get(portal.url, authorized: false)
            #expect(page.body.contains("•••• 4242") && page.body.contains(">active<"))
        }
    }

    @Test func cancelAtPeriodEndInThePortalEndsItThenAResumedOneRenews() async throws {
        try await SimulatorHarness.run { harness in
            let client = harness.client()
            let clock = try await client.createTestClock(frozenTime: Self.time("2026-07-01T00:00:00Z"))
            let leaving = try await harness.subscribe(price: "price_pro_monthly", testClock: clock.id)
            let staying = try await harness.subscribe(price: "price_pro_monthly", testClock: clock.id)
            let leavingPortal = try await client.createBillingPortalSession(customer: leaving.customer, returnURL: "https://app.example/b")
            let stayingPortal = try await client.createBillingPortalSession(customer: staying.customer, returnURL: "https://app.example/b")

            #expect(try await harness.post(leavingPortal.url + "/cancel", authorized: false).status == 303)
            #expect(try await harness.post(stayingPortal.url + "/cancel", authorized: false).status == 303)
            let page = try await harness.get(stayingPortal.url, authorized: false)
            #expect(page.body.contains("Resume subscription"))
            #expect(try await harness.post(stayingPortal.url + "/resume", authorized: false).status == 303)
            #expect(try await client.retrieveSubscription(id: leaving.id).cancelAtPeriodEnd)
            #expect(try await !client.retrieveSubscription(id: staying.id).cancelAtPeriodEnd)

            _ = try await client.advanceTestClock(id: clock.id, to: Self.time("2026-08-02T00:00:00Z"))
            let ended = try await client.retrieveSubscription(id: leaving.id)
            #expect(ended.status == "canceled")
            #expect(ended.endedAt == Int64(Self.time("2026-08-01T00:00:00Z").timeIntervalSince1970))
            #expect(try await harness.eventTypes(about: leaving.id).last == "customer.subscription.deleted")
            #expect(try await harness.invoices(of: leaving.id).count == 1)

            let renewed = try await client.retrieveSubscription(id: staying.id)
            #expect(renewed.status == "active" && renewed.currentPeriodEndDate == Self.time("2026-09-01T00:00:00Z"))
        }
    }

    @Test func thePortalSwitchesPlanAndBillingCycle() async throws {
        try await SimulatorHarness.run { harness in
            let client = harness.client()
            let clock = try await client.createTestClock(frozenTime: Self.time("2026-03-01T00:00:00Z"))
            let subscription = try await harness.subscribe(price: "price_starter_monthly", testClock: clock.id)
            let portal = try await client.createBillingPortalSession(customer: subscription.customer, returnURL: "https://app.example/b")
            _ = try await client.advanceTestClock(id: clock.id, to: Self.time("2026-03-11T00:00:00Z"))

            let plan = try await harness.post(portal.url + "/plan", form: [("price", "price_business_monthly")], authorized: false)
            #expect(plan.status == 303)
            let business = try await client.retrieveSubscription(id: subscription.id)
            #expect(business.price?.id == "price_business_monthly")
            #expect(business.currentPeriodEnd == subscription.currentPeriodEnd)

            let page = try await harness.get(portal.url, authorized: false)
            #expect(page.body.contains("Switch to yearly billing"))
            let cycle = try await harness.post(portal.url + "/plan", form: [("price", "price_business_yearly")], authorized: false)
            #expect(cycle.status == 303)
            let yearly = try await client.retrieveSubscription(id: subscription.id)
            #expect(yearly.price?.id == "price_business_yearly")
            #expect(yearly.currentPeriodStartDate == Self.time("2026-03-11T00:00:00Z"))
            #expect(yearly.currentPeriodEndDate == Self.time("2027-03-11T00:00:00Z"))
            let invoice = try #require(try await harness.invoices(of: subscription.id).first)
            #expect(invoice.billingReason == "subscription_update" && invoice.amountPaid == 99_000)

            // The next monthly date passes without an invoice: it bills yearly now.
            _ = try await client.advanceTestClock(id: clock.id, to: Self.time("2026-05-01T00:00:00Z"))
            #expect(try await harness.invoices(of: subscription.id).count == 2)

            let unknown = try await harness.post(portal.url + "/plan", form: [("price", "price_platinum")], authorized: false)
            #expect(unknown.status == 400)
        }
    }

    @Test func aClockCannotGoBackwards() async throws {
        try await SimulatorHarness.run { harness in
            let client = harness.client()
            let clock = try await client.createTestClock(frozenTime: Self.time("2026-03-01T00:00:00Z"))
            let refused = await #expect(throws: StripeError.self) {
                try await client.advanceTestClock(id: clock.id, to: Self.time("2026-02-01T00:00:00Z"))
            }
            #expect(refused?.kind == .invalidRequest && refused?.param == "frozen_time")
        }
    }
}

extension SimulatorHarness {
    /// The subscription's invoices, newest first.
    func invoices(of subscriptionID: String) async throws -> [StripeInvoice] {
        let answer = try await get("/stripe-sim/v1/invoices?subscription=\(subscriptionID)&limit=100")
        guard case .array(let items)? = try answer.json["data"] else { throw HarnessError("no invoice list: \(answer.body)") }
        return try items.map { try $0.decode() }
    }
}
