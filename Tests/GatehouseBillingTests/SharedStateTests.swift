import Foundation
import GatehouseBilling
import Testing

/// The simulator's state is in Postgres: two servers (replicas) serve one simulator, and a
/// server started later finds everything its predecessor did.
@Suite struct SharedStateTests {
    @Test func twoServersServeOneSimulatorAndStateOutlivesThem() async throws {
        let (sessionID, subscriptionID) = try await SimulatorHarness.run { first in
            try await SimulatorHarness.run { second in
                let session = try await first.client().createCheckoutSession(StripeCheckoutSessionParams(
                    price: "price_starter_monthly", customerEmail: "replicas@example.com",
                    successURL: "https://app.example/ok", cancelURL: "https://app.example/no"))
                // The page of the first server's session, answered and paid on the second.
                let page = try await second.get("/stripe-sim/checkout/\(session.id)", authorized: false)
                #expect(page.status == 200 && page.body.contains("Gatehouse Starter"))
                let paid = try await second.post("/stripe-sim/checkout/\(session.id)", form: [("card_number", "4242424242424242")],
                                                 authorized: false)
                #expect(paid.status == 303)
                let completed = try await first.client().retrieveCheckoutSession(id: session.id)
                #expect(completed.status == "complete")
                return (session.id, try #require(completed.subscription))
            }
        }
        try await SimulatorHarness.run { (later: SimulatorHarness) async throws -> Void in
            #expect(try await later.client().retrieveCheckoutSession(id: sessionID).status == "complete")
            #expect(try await later.client().retrieveSubscription(id: subscriptionID).status == "active")
        }
    }
}
