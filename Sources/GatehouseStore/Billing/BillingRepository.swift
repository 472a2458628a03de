import Foundation
import GatehouseCore

/// Plans, the tenants' subscriptions as Stripe reports them, applied Stripe events and
/// pending signup checkouts.
public protocol BillingRepository: Sendable {
    /// The plan catalogue, cheapest first.
    func plans() async throws -> [Plan]

    /// The Stripe Price ids stored with the plans (migration 0050: the simulator's).
    func stripePriceIDs() async throws -> [PlanPriceID]

    /// The tenant's subscription; a tenant that never had one is `active` on `free`.
    func subscription(tenantID: UUID) async throws -> TenantSubscription

    /// The tenant's name and its first owner's email (for the Stripe customer).
    func billingContact(tenantID: UUID) async throws -> (tenantName: String, email: String?)

    /// Stores `customerID` as the tenant's Stripe customer unless it already has one, and
    /// returns the one stored (two racing checkouts end up with the same customer).
    func attachStripeCustomer(tenantID: UUID, customerID: String) async throws -> String

    /// The tenant behind a Stripe subscription or customer (a subscription match wins).
    func tenant(stripeCustomerID: String?, stripeSubscriptionID: String?) async throws -> UUID?

    /// Applies a subscription's current state to the tenant, and records `event` as applied in
    /// the same transaction. A live subscription becomes the tenant's plan; an ended one puts
    /// the tenant back on `free` if it was the tenant's; a read older than the stored one is
    /// ignored. A change of plan appends `subscription.plan_change` by `actor` to the audit log
    /// in the same transaction.
    func applySubscription(_ snapshot: SubscriptionSnapshot, tenantID: UUID, event: StripeEventRef?, actor: AuditActor) async throws
        -> SubscriptionApplyOutcome

    /// Records an event that changes nothing here (a type Gatehouse does not act on, or an
    /// object it does not know) as applied. False if it already was.
    @discardableResult
    func recordEventWithoutEffect(_ event: StripeEventRef) async throws -> Bool

    /// Which of `eventIDs` have not been applied yet.
    func unprocessedEvents(_ eventIDs: [String]) async throws -> Set<String>

    /// Remembers a signup checkout; nothing else exists until it completes.
    func openSignupCheckout(_ pending: PendingSignupCheckout) async throws

    /// Whether `checkoutSessionID` is a signup checkout (in any state).
    func isSignupCheckout(_ checkoutSessionID: String) async throws -> Bool

    /// Completes a signup checkout in one transaction: tenant `tenantID`, its owner (no
    /// password yet, email not verified), settings, the paid subscription of `snapshot`, a
    /// magic-link token and its mail (`mail(email)`); and records `event`. Throws
    /// `AccountError.emailTaken` (and creates nothing) if the email got an account meanwhile.
    func completeSignupCheckout(
        _ checkoutSessionID: String, tenantID: UUID, snapshot: SubscriptionSnapshot, event: StripeEventRef?,
        magicLinkHash: Data, mail: @Sendable (_ email: String) -> OutgoingMail
    ) async throws -> SignupCompletion

    /// Open signup checkouts whose expiry has passed become `expired`; returns how many.
    func expireSignupCheckouts(now: Date) async throws -> Int
}
