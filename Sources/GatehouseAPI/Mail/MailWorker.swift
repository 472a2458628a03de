import Foundation
import GatehouseStore
import Logging
import ServiceLifecycle

/// Drains the mail outbox: claims due mails (leased, so replicas never send one twice at the
/// same time), hands each to the transport, marks it sent, or schedules a retry with
/// exponential backoff (30 s doubling, capped at 1 h; gives up after `maxAttempts`). A mail
/// committed before a crash is simply still due when a worker runs again. Sending or giving
/// up clears the mail's body (its one-time link); every `pruneInterval` the worker deletes
/// mails that finished more than `retention` ago.
struct MailWorker: Service {
    let outbox: any MailOutboxRepository
    let transport: any MailTransport
    let from: String
    let pollInterval: Duration
    let logger: Logger
    /// How long sent and abandoned mails (without their bodies) stay in the outbox.
    var retention: TimeInterval = 7 * 86_400
    var pruneInterval: Duration = .seconds(3600)
    var batchSize = 20
    var leaseSeconds = 300
    var maxAttempts = 10
    /// The wait before the first retry; it doubles with each failed attempt, up to an hour.
    var retryDelay: TimeInterval = 30

    func run() async throws {
        do {
            try await cancelWhenGracefulShutdown {
                var nextPrune = ContinuousClock.now
                while !Task.isCancelled {
                    _ = await drainOnce()
                    if ContinuousClock.now >= nextPrune {
                        await pruneOnce()
                        nextPrune = ContinuousClock.now + pruneInterval
                    }
                    try await Task.sleep(for: pollInterval)
                }
            }
        } catch is CancellationError {
            // Shutdown: leased mails become due again when their lease ends.
        }
    }

    /// Deletes the mails that finished (sent or abandoned) more than `retention` ago.
    func pruneOnce() async {
        do {
            let pruned = try await outbox.prune(finishedBefore: Date().addingTimeInterval(-retention))
            if pruned > 0 {
                logger.info("mail outbox: pruned finished mails", metadata: ["count": "\(pruned)"])
            }
        } catch {
            logger.warning("mail outbox: prune failed", metadata: ["error": "\(error)"])
        }
    }

    /// Sends what is due now; returns how many mails were sent.
    @discardableResult
    func drainOnce() async -> Int {
        var sent = 0
        while true {
            let batch: [ClaimedMail]
            do {
                batch = try await outbox.claim(limit: batchSize, leaseSeconds: leaseSeconds)
            } catch {
                logger.warning("mail outbox: claim failed", metadata: ["error": "\(error)"])
                return sent
            }
            if batch.isEmpty { return sent }
            for mail in batch {
                let message = MailMessage(id: mail.id, from: from, to: mail.to, subject: mail.subject,
                                          bodyText: mail.bodyText, date: Date())
                do {
                    try await transport.send(message)
                    try await outbox.markSent(id: mail.id)
                    sent += 1
                } catch {
                    let giveUp = mail.attempts >= maxAttempts
                    let delay = min(3600.0, retryDelay * pow(2.0, Double(max(0, mail.attempts - 1))))
                    logger.warning("mail: send failed", metadata: [
                        "mail_id": .string(mail.id.uuidString.lowercased()), "attempts": "\(mail.attempts)",
                        "giving_up": "\(giveUp)", "error": "\(error)"])
                    // The error may quote a hostile server's reply: no NUL, which the database refuses.
                    let reason = "\(error)".replacingOccurrences(of: "\u{0}", with: "")
                    try? await outbox.markFailed(id: mail.id, error: reason,
                                                 retryAt: giveUp ? .distantFuture : Date().addingTimeInterval(delay))
                }
            }
            if batch.count < batchSize { return sent }
        }
    }
}
