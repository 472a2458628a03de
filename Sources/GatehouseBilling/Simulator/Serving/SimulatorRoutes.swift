/// Every route of the simulator.
enum SimulatorRoutes {
    static let all: [SimulatorRoute] = [
        .api(.post, "v1/customers") { try await $0.createCustomer($1) },
        .api(.get, "v1/customers/{id}") { try await $0.retrieveCustomer($1) },
        .api(.post, "v1/customers/{id}") { try await $0.updateCustomer($1) },

        .api(.post, "v1/checkout/sessions") { try await $0.createCheckoutSession($1) },
        .api(.get, "v1/checkout/sessions/{id}") { try await $0.retrieveCheckoutSession($1) },
        .api(.post, "v1/checkout/sessions/{id}/expire") { try await $0.expireCheckoutSession($1) },

        .api(.post, "v1/billing_portal/sessions") { try await $0.createPortalSession($1) },

        .api(.get, "v1/subscriptions") { try await $0.listSubscriptions($1) },
        .api(.get, "v1/subscriptions/{id}") { try await $0.retrieveSubscription($1) },
        .api(.post, "v1/subscriptions/{id}") { try await $0.updateSubscription($1) },
        .api(.delete, "v1/subscriptions/{id}") { try await $0.cancelSubscription($1) },

        .api(.get, "v1/invoices") { try await $0.listInvoices($1) },
        .api(.get, "v1/invoices/{id}") { try await $0.retrieveInvoice($1) },

        .api(.get, "v1/prices") { try await $0.listPrices($1) },
        .api(.get, "v1/prices/{id}") { try await $0.retrievePrice($1) },
        .api(.get, "v1/products/{id}") { try await $0.retrieveProduct($1) },

        .api(.get, "v1/events") { try await $0.listEvents($1) },
        .api(.get, "v1/events/{id}") { try await $0.retrieveEvent($1) },

        .api(.post, "v1/test_helpers/test_clocks") { try await $0.createTestClock($1) },
        .api(.get, "v1/test_helpers/test_clocks/{id}") { try await $0.retrieveTestClock($1) },
        .api(.post, "v1/test_helpers/test_clocks/{id}/advance") { try await $0.advanceTestClock($1) },

        // The simulator's own controls (no Stripe equivalent).
        .api(.get, "sim/webhook_deliveries") { try await $0.listWebhookDeliveries($1) },
        .api(.post, "sim/faults") { try await $0.injectFault($1) },

        .page(.get, "checkout/{id}") { try await $0.checkoutPage($1) },
        .page(.post, "checkout/{id}") { try await $0.payCheckout($1) },
        .page(.get, "portal/{id}") { try await $0.portalPage($1) },
        .page(.post, "portal/{id}/plan") { try await $0.portalSwitchPrice($1) },
        .page(.post, "portal/{id}/card") { try await $0.portalUpdateCard($1) },
        .page(.post, "portal/{id}/cancel") { try await $0.portalCancel($1) },
        .page(.post, "portal/{id}/resume") { try await $0.portalResume($1) },
    ]
}
