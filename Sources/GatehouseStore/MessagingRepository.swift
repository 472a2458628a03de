import Foundation
import GatehouseCore

/// Sessions and messages of the simulated channel, inside one tenant's scope. Every limit is
/// decided in the transaction that writes, under a lock on the tenant's row, so parallel
/// requests cannot overshoot a cap. Refusals are thrown as `GatehouseError`.
public protocol MessagingRepository: Sendable {
    /// Creates a `ready` session. `apiKeyID` is the creating key (its `max_sessions` applies:
    /// 409 `max_sessions_reached`); the plan's `max_sessions` applies to every creator (402).
    /// `audit` is appended, about the new session, in the same transaction.
    func createSession(tenantID: UUID, apiKeyID: UUID?, name: String, phoneNumber: String?, audit: AuditEvent) async throws
        -> MessagingSession
    /// Live sessions, newest first; up to `limit` and whether more follow.
    func listSessions(tenantID: UUID, limit: Int, after: KeysetPosition?) async throws
        -> (items: [(session: MessagingSession, position: KeysetPosition)], hasMore: Bool)
    /// A live session, or nil.
    func session(tenantID: UUID, id: UUID) async throws -> MessagingSession?
    /// Ends a live session; false when there is none. `audit` is appended in the same
    /// transaction when a session ended.
    func deleteSession(tenantID: UUID, id: UUID, audit: AuditEvent) async throws -> Bool
    /// Records an inbound message on a live session, received at `now` (the server's clock);
    /// false when there is none.
    func recordInbound(tenantID: UUID, sessionID: UUID, from: String, text: String, now: Date) async throws -> Bool
    /// Sends (or queues, under `require_approval`) a message at `now`: 404 unknown session,
    /// 403 `number_not_allowed` (the key's trial list or the tenant's list), 402
    /// `plan_limit_exceeded` past the plan's monthly messages (the UTC month of `now`).
    func send(tenantID: UUID, apiKeyID: UUID?, sessionID: UUID, to: String, text: String, cost: Money, now: Date) async throws
        -> OutboundMessage
    /// Marks a `pending_approval` message `sent`: nil for an unknown message, 409 when it is
    /// not pending.
    /// Sends a message held for approval; `audit` is appended in the same transaction.
    /// The message counts as sent at `now` (its usage day).
    func approve(tenantID: UUID, messageID: UUID, userID: UUID, audit: AuditEvent, now: Date) async throws -> OutboundMessage?
}
