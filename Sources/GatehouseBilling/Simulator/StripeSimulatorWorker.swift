import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import Postgres
import ServiceLifecycle

/// The simulator's background work, as a lifecycle service: delivers pending webhooks (signed
/// `Stripe-Signature`, retried with exponential backoff until a 2xx or the attempts run out),
/// runs renewals, dunning retries and scheduled cancellations of subscriptions on no test clock
/// in real time, and expires checkout sessions whose time is up. Several replicas may run it:
/// deliveries are claimed with `FOR UPDATE SKIP LOCKED`, billing runs under an advisory lock.
/// A worker delivers only to its own configured endpoint, signed with its own secret.
public struct StripeSimulatorWorker: Service {
    let service: SimulatorService
    let httpClient: HTTPClient

    /// `pg_try_advisory_xact_lock` key of the real-time billing run ("stripesim" in ASCII digits).
    static let billingLockKey = 115_116_114_105_112_101

    public func run() async throws {
        try await cancelWhenGracefulShutdown {
            var round = 0
            while !Task.isCancelled {
                await runOnce(pruneIdempotencyKeys: round % 600 == 0)
                round += 1
                await service.doorbell.wait(upTo: service.configuration.pollInterval)
            }
        }
    }

    /// One round of everything that is due. Errors are logged; the next round tries again.
    func runOnce(pruneIdempotencyKeys: Bool = false) async {
        do {
            try await runRealTimeBilling(pruneIdempotencyKeys: pruneIdempotencyKeys)
        } catch {
            service.logger.error("stripe simulator billing run failed", metadata: ["error": "\(error)"])
        }
        do {
            try await deliverDue()
        } catch {
            service.logger.error("stripe simulator webhook delivery failed", metadata: ["error": "\(error)"])
        }
    }

    private func runRealTimeBilling(pruneIdempotencyKeys: Bool) async throws {
        let now = service.wallTime
        try await service.database.withPlatform { session in
            guard try await session.query("SELECT pg_try_advisory_xact_lock(\(Self.billingLockKey)) AS locked")
                .first?.decode("locked", as: Bool.self) == true else { return }
            try await service.billing.runDue(clock: nil, until: now, in: session)
            let expired = try await session.query("""
                SELECT s.id FROM stripe_sim.checkout_sessions s LEFT JOIN stripe_sim.customers c ON c.id = s.customer
                 WHERE s.status = 'open' AND s.expires_at <= \(now) AND c.test_clock IS NULL
                 ORDER BY s.expires_at LIMIT 100
                """)
            for row in expired {
                _ = try await service.loadCheckout(try row.decode("id"), in: session)
            }
            if pruneIdempotencyKeys {
                try await session.execute("DELETE FROM stripe_sim.idempotency_keys WHERE created_at < now() - interval '24 hours'")
            }
        }
    }

    private struct Delivery: Sendable {
        let eventID: String
        let endpointURL: String
        let attempts: Int
        let payload: String
    }

    /// Sends every due delivery, a batch at a time, concurrently within a batch.
    private func deliverDue() async throws {
        let configuration = service.configuration
        // Only this configuration's endpoint: simulators sharing a database with other
        // endpoints (and other secrets) each deliver their own events.
        guard let endpoint = configuration.webhookURL else { return }
        // A claim holds a delivery for longer than one attempt may take; a worker that dies
        // mid-attempt leaves it to be retried after that.
        let lease = Duration.seconds(30) + configuration.webhookTimeout
        while !Task.isCancelled {
            let now = configuration.clock()
            let claimedUntil = now.addingTimeInterval(Self.seconds(lease))
            let batch = try await service.database.withPlatform { session in
                try await session.query("""
                    UPDATE stripe_sim.webhook_deliveries d SET next_attempt_at = \(claimedUntil)
                      FROM stripe_sim.events e
                     WHERE e.id = d.event_id
                       AND d.event_id IN (SELECT event_id FROM stripe_sim.webhook_deliveries
                                           WHERE status = 'pending' AND endpoint_url = \(endpoint)
                                             AND next_attempt_at <= \(now)
                                           ORDER BY next_attempt_at LIMIT 16 FOR UPDATE SKIP LOCKED)
                    RETURNING d.event_id, d.endpoint_url, d.attempts, e.payload
                    """).map {
                    Delivery(eventID: try $0.decode("event_id"), endpointURL: try $0.decode("endpoint_url"),
                             attempts: try $0.decode("attempts"), payload: try $0.decode("payload"))
                }
            }
            if batch.isEmpty { return }
            await withTaskGroup(of: Void.self) { group in
                for delivery in batch {
                    group.addTask { await self.deliver(delivery) }
                }
            }
        }
    }

    /// One attempt: POST the event, signed now; record the outcome and plan the next attempt.
    private func deliver(_ delivery: Delivery) async {
        let configuration = service.configuration
        let payload = Array(delivery.payload.utf8)
        var request = HTTPClientRequest(url: delivery.endpointURL)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json; charset=utf-8")
        request.headers.add(name: "User-Agent", value: "Stripe/1.0 (+https://stripe.com/docs/webhooks)")
        if let secret = configuration.webhookSecret {
            request.headers.add(name: "Stripe-Signature",
                                value: StripeWebhookSignature.sign(payload: payload, secret: secret, timestamp: configuration.clock()))
        }
        request.body = .bytes(ByteBuffer(bytes: payload))
        var status: Int?
        var failure: String?
        do {
            let response = try await httpClient.execute(request, timeout: TimeAmount(configuration.webhookTimeout))
            status = Int(response.status.code)
            _ = try? await response.body.collect(upTo: 1 << 20)
            if !(200..<300).contains(status!) { failure = "the endpoint answered \(status!)" }
        } catch {
            failure = "\(error)"
        }
        let attempts = delivery.attempts + 1
        let now = configuration.clock()
        let outcome: String
        var next = now
        if failure == nil {
            outcome = "succeeded"
        } else if attempts >= configuration.webhookMaxAttempts {
            outcome = "failed"
        } else {
            outcome = "pending"
            let delay = configuration.webhookRetryBaseDelay * (1 << min(attempts - 1, 20))
            next = now.addingTimeInterval(min(Self.seconds(delay), 3_600))
        }
        do {
            try await service.database.withPlatform { session in
                try await session.execute("""
                    UPDATE stripe_sim.webhook_deliveries
                       SET status = \(outcome), attempts = \(attempts), last_attempt_at = \(now),
                           last_response_status = \(status), last_error = \(failure), next_attempt_at = \(next),
                           delivered_at = CASE WHEN \(outcome) = 'succeeded' THEN \(now) END
                     WHERE event_id = \(delivery.eventID)
                    """)
            }
        } catch {
            service.logger.error("stripe simulator could not record a webhook delivery",
                                 metadata: ["event": "\(delivery.eventID)", "error": "\(error)"])
        }
        if failure != nil {
            service.logger.notice("stripe simulator webhook delivery failed", metadata: [
                "event": "\(delivery.eventID)", "attempt": "\(attempts)", "outcome": "\(outcome)", "reason": "\(failure!)",
            ])
        }
    }

    static func seconds(_ duration: Duration) -> TimeInterval {
        TimeInterval(duration.components.seconds) + TimeInterval(duration.components.attoseconds) / 1e18
    }
}
