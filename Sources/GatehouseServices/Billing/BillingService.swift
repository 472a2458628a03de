public import Foundation
public import GatehouseBilling
public import GatehouseCore
public import GatehouseStore
public import Logging
import Synchronization

/// Billing behind the `/billing` operations, the console's billing page, the webhook receiver
/// and the reconciler (one implementation for all of them): it speaks
/// to Stripe (or the simulator: only `STRIPE_API_BASE` and the keys differ) with `StripeClient`
/// and keeps the tenants' subscriptions in `BillingRepository`. Stripe is the source of truth:
/// Gatehouse stores what it last read from Stripe's API, never what an event's copy said.
public struct BillingService: Sendable {
    public let repository: any BillingRepository
    public let accounts: any AccountRepository
    /// This month's usage, reported against the plan's limits.
    public let usage: any UsageReportRepository
    /// Paying waits for a verified email (`REQUIRE_VERIFIED_EMAIL`), as key power does.
    public let verifiedEmail: VerifiedEmailRule
    public let stripe: StripeClient
    /// `STRIPE_WEBHOOK_SECRET`: the key of the webhooks' signatures. A secret: never log it.
    public let webhookSecret: String
    /// `STRIPE_PRICE_<PLAN>_<CYCLE>`, keyed `<plan>_<cycle>`.
    public let priceOverrides: [String: String]
    /// `PUBLIC_URL`, without a trailing slash: the base of return links and mailed links.
    public let publicURL: String
    public let logger: Logger
    private let priceBookCache = PriceBookCache()

    public init(repository: any BillingRepository, accounts: any AccountRepository, usage: any UsageReportRepository,
                verifiedEmail: VerifiedEmailRule, stripe: StripeClient, webhookSecret: String,
                priceOverrides: [String: String], publicURL: String, logger: Logger) {
        self.repository = repository
        self.accounts = accounts
        self.usage = usage
        self.verifiedEmail = verifiedEmail
        self.stripe = stripe
        self.webhookSecret = webhookSecret
        self.priceOverrides = priceOverrides
        var base = publicURL
        while base.hasSuffix("/") { base.removeLast() }
        self.publicURL = base
        self.logger = logger
    }

    /// Signup checkouts stay payable (and pending) this long, like Stripe's default.
    public static let signupCheckoutLifetime: TimeInterval = 24 * 3600

    /// The price book, read from the plans once and kept (plans change only with a migration,
    /// and a migration means a restart).
    public func priceBook() async throws -> StripePriceBook {
        if let book = priceBookCache.value.withLock({ $0 }) { return book }
        let book = StripePriceBook(stored: try await repository.stripePriceIDs(), overrides: priceOverrides)
        priceBookCache.value.withLock { $0 = book }
        return book
    }

    /// A link to `path` under `PUBLIC_URL`.
    public func link(_ path: String) -> String { publicURL + path }

    /// Calls Stripe; its failures become 503 (nothing changed here, retry later) with the cause
    /// logged, never sent.
    public func callingStripe<T>(_ what: String, _ call: () async throws -> T) async throws -> T {
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
