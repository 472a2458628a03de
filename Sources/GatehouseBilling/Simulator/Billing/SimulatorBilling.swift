import Foundation
import GatehouseCore
import Postgres

/// The subscription state machine Stripe documents, in simulated time. Every function runs
/// inside the caller's transaction and records the events its changes cause.
///
/// - The first invoice paid: `incomplete` → `active`.
/// - At a period's end: `cancel_at_period_end` → `canceled` (`customer.subscription.deleted`);
///   otherwise a new period and an invoice, paid (`invoice.paid`) or failed
///   (`invoice.payment_failed`, `active` → `past_due`).
/// - A failed invoice is retried `retryDelays.count` times (1, 2 and 4 days after each failure);
///   a paid retry → `active`, the last one failing → `canceled`.
/// - A price switch takes effect at once; a switch of interval (monthly ↔ yearly) also restarts
///   the billing period now and bills the new price at once, as Stripe does. Prorations are not
///   simulated.
struct SimulatorBilling: Sendable {
    let events: SimulatorEvents

    /// Simulated seconds from a failed payment to its next retry, one per retry.
    static let retryDelays: [Int64] = [86_400, 2 * 86_400, 4 * 86_400]

    /// Most state changes one run of `runDue` makes (a guard against advancing a clock by decades).
    static let maxStepsPerRun = 2_000

    // MARK: Creating

    /// A new subscription for `customer` with its first invoice, charged at once: `active` when
    /// paid, `incomplete` (no retries) when not.
    func subscribe(customer: SimCustomer, price: SimPrice, quantity: Int, metadata: [String: String],
                   at now: Int64, in session: PostgresSession) async throws -> SimSubscription {
        var subscription = SimSubscription(id: SimulatorID.make("sub"), customer: customer, price: price,
                                           quantity: quantity, metadata: metadata, now: now)
        try await subscription.insert(in: session)
        try await events.record("customer.subscription.created", object: subscription.json, created: now, in: session)
        let before = subscription.json
        var invoice = SimInvoice(subscription: subscription, reason: "subscription_create", now: now)
        try await invoice.insert(in: session)
        try await collect(&invoice, for: &subscription, customer: customer, before: before, at: now, in: session)
        return subscription
    }

    // MARK: Payment

    /// Charges `invoice` to the customer's card and moves the subscription accordingly, then
    /// saves both and records the events (the subscription's changes measured from `before`).
    func collect(_ invoice: inout SimInvoice, for subscription: inout SimSubscription, customer: SimCustomer,
                 before: JSONValue, at now: Int64, in session: PostgresSession) async throws {
        invoice.attemptCount += 1
        subscription.latestInvoice = invoice.id
        if customer.canBeCharged {
            invoice.status = "paid"
            invoice.amountPaid = invoice.amountDue
            invoice.paidAt = now
            invoice.nextPaymentAttempt = nil
            try await invoice.save(in: session)
            try await events.record("invoice.payment_succeeded", object: invoice.json, created: now, in: session)
            try await events.record("invoice.paid", object: invoice.json, created: now, in: session)
            if subscription.status == "incomplete" || subscription.status == "past_due" {
                subscription.status = "active"
            }
        } else if subscription.status == "incomplete" {
            // A first payment that fails is not retried: the subscription stays incomplete.
            invoice.nextPaymentAttempt = nil
            try await invoice.save(in: session)
            try await events.record("invoice.payment_failed", object: invoice.json, created: now, in: session)
        } else {
            let retriesDone = invoice.attemptCount - 1
            let exhausted = retriesDone >= Self.retryDelays.count
            invoice.nextPaymentAttempt = exhausted ? nil : now + Self.retryDelays[retriesDone]
            if exhausted { invoice.status = "uncollectible" }
            try await invoice.save(in: session)
            try await events.record("invoice.payment_failed", object: invoice.json, created: now, in: session)
            if exhausted {
                try await end(&subscription, at: now, in: session)
                return
            }
            subscription.status = "past_due"
        }
        try await subscription.save(in: session)
        try await events.recordUpdate(of: subscription, before: before, at: now, in: session)
    }

    // MARK: Period end, retries

    /// What is due at the end of the current period: the scheduled cancellation, or a renewal.
    func renew(_ subscription: inout SimSubscription, in session: PostgresSession) async throws {
        let now = subscription.currentPeriodEnd
        if subscription.cancelAtPeriodEnd {
            try await end(&subscription, at: now, in: session)
            return
        }
        guard let customer = try await SimCustomer.find(subscription.customer, in: session) else { return }
        let before = subscription.json
        subscription.currentPeriodStart = now
        subscription.currentPeriodEnd = BillingPeriod.end(after: now, anchor: subscription.billingCycleAnchor,
                                                         interval: subscription.price.interval)
        var invoice = SimInvoice(subscription: subscription, reason: "subscription_cycle", now: now)
        try await invoice.insert(in: session)
        try await collect(&invoice, for: &subscription, customer: customer, before: before, at: now, in: session)
    }

    /// A planned retry of a failed invoice.
    func retry(_ invoice: inout SimInvoice, in session: PostgresSession) async throws {
        let now = invoice.nextPaymentAttempt ?? invoice.created
        guard let subscriptionID = invoice.subscription,
              var subscription = try await SimSubscription.find(subscriptionID, in: session, forUpdate: true),
              let customer = try await SimCustomer.find(invoice.customer, in: session) else {
            invoice.nextPaymentAttempt = nil
            try await invoice.save(in: session)
            return
        }
        try await collect(&invoice, for: &subscription, customer: customer, before: subscription.json, at: now, in: session)
    }

    /// Ends the subscription now (`customer.subscription.deleted`); its open invoices are no
    /// longer retried.
    func end(_ subscription: inout SimSubscription, at now: Int64, in session: PostgresSession) async throws {
        guard subscription.status != "canceled" else { return }
        subscription.status = "canceled"
        subscription.canceledAt = subscription.canceledAt ?? now
        subscription.endedAt = now
        subscription.cancelAtPeriodEnd = false
        try await subscription.save(in: session)
        try await session.execute("""
            UPDATE stripe_sim.invoices SET next_payment_attempt = NULL
             WHERE subscription = \(subscription.id) AND status = 'open'
            """)
        try await events.record("customer.subscription.deleted", object: subscription.json, created: now, in: session)
    }

    // MARK: Changes asked for

    /// Schedules (`true`) or withdraws (`false`) the cancellation at the period's end.
    func setCancelAtPeriodEnd(_ subscription: inout SimSubscription, _ cancel: Bool, at now: Int64,
                              in session: PostgresSession) async throws {
        let before = subscription.json
        subscription.cancelAtPeriodEnd = cancel
        subscription.canceledAt = cancel ? now : nil
        try await subscription.save(in: session)
        try await events.recordUpdate(of: subscription, before: before, at: now, in: session)
    }

    /// Switches the subscription to `price` now (see the type's notes for the billing period).
    func switchPrice(_ subscription: inout SimSubscription, to price: SimPrice, metadata: [String: String]?,
                     at now: Int64, in session: PostgresSession) async throws {
        let before = subscription.json
        let intervalChanged = price.interval != subscription.price.interval
        subscription.price = price
        if let metadata { subscription.metadata = metadata }
        guard intervalChanged, ["active", "past_due", "trialing"].contains(subscription.status),
              let customer = try await SimCustomer.find(subscription.customer, in: session) else {
            try await subscription.save(in: session)
            try await events.recordUpdate(of: subscription, before: before, at: now, in: session)
            return
        }
        subscription.currentPeriodStart = now
        subscription.billingCycleAnchor = now
        subscription.currentPeriodEnd = BillingPeriod.end(after: now, anchor: now, interval: price.interval)
        var invoice = SimInvoice(subscription: subscription, reason: "subscription_update", now: now)
        try await invoice.insert(in: session)
        try await collect(&invoice, for: &subscription, customer: customer, before: before, at: now, in: session)
    }

    /// A new default card: a past-due subscription's open invoice is paid with it at once.
    func updateCard(_ customer: inout SimCustomer, last4: String, declines: Bool, at now: Int64,
                    in session: PostgresSession) async throws {
        customer.cardLast4 = last4
        customer.cardDeclines = declines
        try await customer.save(in: session)
        try await events.record("customer.updated", object: customer.json, created: now, in: session)
        guard customer.canBeCharged else { return }
        for var subscription in try await SimSubscription.all(customer: customer.id, in: session, forUpdate: true)
        where subscription.status == "past_due" {
            guard var invoice = try await SimInvoice.open(subscription: subscription.id, in: session) else { continue }
            try await collect(&invoice, for: &subscription, customer: customer, before: subscription.json, at: now, in: session)
        }
    }

    // MARK: Running time forward

    /// Performs, in time order, every renewal, retry and scheduled cancellation due at or before
    /// `until` for the subscriptions on test clock `clock` (nil: those on no clock, in real time).
    /// The caller serializes runs per clock (the clock's row lock, or an advisory lock).
    func runDue(clock: String?, until: Int64, in session: PostgresSession) async throws {
        for _ in 0..<Self.maxStepsPerRun {
            let due = try await session.query("""
                SELECT * FROM (
                    SELECT 'renew' AS kind, id, current_period_end AS at FROM stripe_sim.subscriptions
                     WHERE test_clock IS NOT DISTINCT FROM \(clock)
                       AND status IN ('active', 'past_due', 'trialing') AND current_period_end <= \(until)
                    UNION ALL
                    SELECT 'retry' AS kind, id, next_payment_attempt AS at FROM stripe_sim.invoices
                     WHERE test_clock IS NOT DISTINCT FROM \(clock)
                       AND status = 'open' AND next_payment_attempt <= \(until)
                ) due ORDER BY at, kind LIMIT 1
                """)
            guard let row = due.first else { return }
            let kind: String = try row.decode("kind")
            let id: String = try row.decode("id")
            if kind == "renew" {
                guard var subscription = try await SimSubscription.find(id, in: session, forUpdate: true) else { continue }
                try await renew(&subscription, in: session)
            } else {
                guard var invoice = try await SimInvoice.find(id, in: session, forUpdate: true) else { continue }
                try await retry(&invoice, in: session)
            }
        }
    }
}
