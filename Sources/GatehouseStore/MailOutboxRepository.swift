import Foundation

/// The mail outbox: mails are written in the transaction that causes them and sent later by
/// the worker, so a mail survives a crash between commit and send.
public protocol MailOutboxRepository: Sendable {
    /// Takes up to `limit` due mails across tenants, leasing them for `leaseSeconds`.
    func claim(limit: Int, leaseSeconds: Int) async throws -> [ClaimedMail]
    func markSent(id: UUID) async throws
    /// Records a failure; the mail is retried at `retryAt` (`.distantFuture` gives up).
    /// Sending and giving up both clear the mail's body: it holds a live one-time link.
    func markFailed(id: UUID, error: String, retryAt: Date) async throws
    /// Deletes sent and abandoned mails that finished before `before`; returns how many.
    @discardableResult
    func prune(finishedBefore before: Date) async throws -> Int
}
