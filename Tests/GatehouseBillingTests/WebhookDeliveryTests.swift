import Foundation
import GatehouseBilling
import Testing

/// The simulator's webhooks: every event POSTed to the endpoint, signed as Stripe signs, retried
/// with backoff until a 2xx, and the attempts visible.
@Suite struct WebhookDeliveryTests {
    @Test func eventsAreDeliveredSignedAndRetriedUntilTheEndpointAccepts() async throws {
        try await SimulatorHarness.run(failFirst: 2) { harness in
            let customer = try await harness.client().createCustomer(email: "hook@example.com")
            let event = try #require(try await harness.events(about: customer.id).first)
            #expect(event.type == "customer.created")

            try await harness.eventually("the third delivery was accepted") {
                harness.receiver.deliveries(of: event.id).contains { $0.answered == 200 }
            }
            let deliveries = harness.receiver.deliveries(of: event.id)
            #expect(deliveries.map(\.answered) == [500, 500, 200])
            for delivery in deliveries {
                try StripeWebhookSignature.verify(payload: delivery.payload, header: delivery.signature,
                                                  secret: SimulatorHarness.webhookSecret)
                #expect(throws: StripeWebhookSignatureError.signatureMismatch) {
                    try StripeWebhookSignature.verify(payload: delivery.payload, header: delivery.signature, secret: "whsec_wrong")
                }
                #expect(delivery.event?.id == event.id)
                #expect(try delivery.event?.customer()?.email == "hook@example.com")
            }

            try await harness.eventually("the delivery is recorded as succeeded") {
                try await harness.delivery(of: event.id)?["status"] == "succeeded"
            }
            let state = try #require(try await harness.delivery(of: event.id))
            #expect(state["attempts"] == 3)
            #expect(state["last_response_status"] == 200)
            #expect(try await harness.client().retrieveEvent(id: event.id).pendingWebhooks == 0)
        }
    }

    @Test func deliveryGivesUpAfterTheLastAttempt() async throws {
        try await SimulatorHarness.run(failFirst: 100, webhookMaxAttempts: 3) { harness in
            let customer = try await harness.client().createCustomer(email: "never@example.com")
            let event = try #require(try await harness.events(about: customer.id).first)
            try await harness.eventually("the delivery is marked failed") {
                try await harness.delivery(of: event.id)?["status"] == "failed"
            }
            let state = try #require(try await harness.delivery(of: event.id))
            #expect(state["attempts"] == 3)
            #expect(state["last_response_status"] == 500)
            #expect(harness.receiver.deliveries(of: event.id).count == 3)
            #expect(try await harness.client().retrieveEvent(id: event.id).pendingWebhooks == 0)
        }
    }

    @Test func aCheckoutSendsItsEventsAndThePageAnswersAtOnce() async throws {
        try await SimulatorHarness.run { harness in
            let client = harness.client()
            let session = try await client.createCheckoutSession(StripeCheckoutSessionParams(
                price: "price_pro_monthly", customerEmail: "page@example.com", clientReferenceID: "tenant-9",
                successURL: "https://app.example/ok", cancelURL: "https://app.example/no"))
            let paid = try await harness.pay(session, card: "4242 4242 4242 4242")
            #expect(paid.status == 303)
            try await harness.eventually("checkout.session.completed arrived") {
                harness.receiver.all.contains { $0.event?.type == "checkout.session.completed" && $0.event?.objectID == session.id }
            }
            let delivered = try #require(harness.receiver.all.first {
                $0.event?.type == "checkout.session.completed" && $0.event?.objectID == session.id
            })
            let completed = try #require(try delivered.event?.checkoutSession())
            #expect(completed.clientReferenceID == "tenant-9" && completed.status == "complete")
            let subscriptionID = try #require(completed.subscription)
            try await harness.eventually("the subscription's events arrived") {
                let types = Set(harness.receiver.all.compactMap { $0.event?.objectID == subscriptionID ? $0.event?.type : nil })
                return types == ["customer.subscription.created", "customer.subscription.updated"]
            }
            try await harness.eventually("invoice.paid arrived") {
                harness.receiver.all.contains { (try? $0.event?.invoice()?.subscription) == subscriptionID && $0.event?.type == "invoice.paid" }
            }
        }
    }
}
