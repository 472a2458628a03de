import Foundation
import GatehouseBilling
import GatehouseCore
import GatehouseStore
import Logging
import Synchronization

/// Billing behind the `/billing` operations, the webhook receiver and the reconciler: it speaks
/// to Stripe (or the simulator: only `STRIPE_API_BASE` and the keys differ) with `StripeClient`
/// and keeps the tenants' subscriptions in `BillingRepository`. Stripe is the source of truth:
/// Gatehouse stores what it last read from Stripe's API, never what an event's copy said.
struct BillingService: Sendable {
    let repository: any BillingRepository
    let accounts: any AccountRepository
    let stripe: StripeClient
    /// `STRIPE_WEBHOOK_SECRET`: the key of the webhooks' signatures. A secret: never log it.
    let webhookSecret: String
    /// `STRIPE_PRICE_<PLAN>_<CYCLE>`, keyed `<plan>_<cycle>`.
    let priceOverrides: [String: String]
    /// `PUBLIC_URL`, without a trailing slash: the base of return links and mailed links.
    let publicURL: String
    let logger: Logger
    private let priceBookCache = PriceBookCache()

    init(repository: any BillingRepository, accounts: any AccountRepository, stripe: StripeClient, webhookSecret: String,
         priceOverrides: [String: String], publicURL: String, logger: Logger) {
        self.repository = repository
        self.accounts = accounts
        self.stripe = stripe
        self.webhookSecret = webhookSecret
        self.priceOverrides = priceOverrides
        var base = publicURL
        while base.hasSuffix("/") { base.removeLast() }
        self.publicURL = base
        self.logger = logger
    }

    /// Signup checkouts stay payable (and pending) this long, like Stripe's default.
    static let signupCheckoutLifetime: TimeInterval = 24 * 3600

    /// The price book, read from the plans once and kept (plans change only with a migration,
    /// and a migration means a restart).
    func priceBook() async throws -> StripePriceBook {
        if let book = priceBookCache.value.withLock({ $0 }) { return book }
        let book = StripePriceBook(stored: try await repository.stripePriceIDs(), overrides: priceOverrides)
        priceBookCache.value.withLock { $0 = book }
        return book
    }

    /// A link to `path` under `PUBLIC_URL`.
    func link(_ path: String) -> String { publicURL + path }

    /// Calls Stripe; its failures become 503 (nothing changed here, retry later) with the cause
    /// logged, never sent.
    func callingStripe<T>(_ what: String, _ call: () async throws -> T) async throws -> T {
        do {
            return try await call()
        } catch let error as StripeError {
            logger.error("stripe call failed", metadata: ["call": .string(what), "error": .string(error.description)])
            throw GatehouseError(.serviceUnavailable, "The payment provider could not be reached; retry shortly.",
                                 headers: ["Retry-After": "5"])
        }
    }
}

/// The price book once loaded.
private final class PriceBookCache: Sendable {
    let value = Mutex<StripePriceBook?>(nil)
}
