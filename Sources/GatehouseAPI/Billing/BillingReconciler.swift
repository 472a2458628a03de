import Foundation
import GatehouseBilling
import GatehouseCore
import GatehouseServices
import Logging
import ServiceLifecycle

/// Nothing is lost across a restart or a missed webhook: at start-up (as soon as Stripe
/// answers; the built-in simulator answers once this server listens) and then every `interval`,
/// lists Stripe's recent events (`GET /v1/events`, the last `lookback`) and applies, oldest
/// first, those never applied. Also marks abandoned signup checkouts expired.
struct BillingReconciler: Service {
    let billing: BillingService
    let interval: Duration
    let lookback: TimeInterval
    let logger: Logger

    /// Stripe keeps events 30 days and retries a webhook for 3; a week back covers every
    /// delivery Stripe may still be trying.
    static let defaultLookback: TimeInterval = 7 * 24 * 3600

    func run() async throws {
        do {
            try await cancelWhenGracefulShutdown {
                var retry = Duration.seconds(1)
                while !Task.isCancelled {
                    do {
                        let applied = try await reconcile()
                        if applied > 0 { logger.info("stripe events reconciled", metadata: ["applied": "\(applied)"]) }
                        _ = try await billing.repository.expireSignupCheckouts(now: Date())
                        retry = .seconds(1)
                        try await Task.sleep(for: interval)
                    } catch is CancellationError {
                        throw CancellationError()
                    } catch let error as StripeError where [.connection, .timeout, .api].contains(error.kind) {
                        // Stripe (or this server, serving the simulator, at start-up) not reachable yet.
                        logger.notice("stripe reconciliation waits for Stripe", metadata: ["error": "\(error)"])
                        try await Task.sleep(for: retry)
                        retry = min(retry * 2, interval)
                    } catch {
                        logger.warning("stripe reconciliation failed; retrying", metadata: ["error": "\(error)"])
                        try await Task.sleep(for: retry)
                        retry = min(retry * 2, interval)
                    }
                }
            }
        } catch is CancellationError {}
    }

    /// One pass; returns how many events were applied.
    func reconcile() async throws -> Int {
        let since = Date().addingTimeInterval(-lookback)
        var pending: [StripeEvent] = []
        var startingAfter: String?
        while true {
            let page = try await billing.stripe.listEvents(
                startingAfter: startingAfter, createdAtOrAfter: since, types: BillingService.subscriptionEventTypes)
            let unapplied = try await billing.repository.unprocessedEvents(page.data.map(\.id))
            pending += page.data.filter { unapplied.contains($0.id) }
            guard page.hasMore, let last = page.data.last else { break }
            startingAfter = last.id
        }
        // Stripe lists newest first; apply oldest first (each refetches current state anyway).
        for event in pending.reversed() {
            try await billing.apply(event, actor: .system)
        }
        return pending.count
    }
}
