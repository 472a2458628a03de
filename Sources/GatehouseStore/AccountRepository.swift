import Foundation
import GatehouseCore
import Postgres

/// Users, auth sessions, refresh tokens and one-time tokens.
public protocol AccountRepository: Sendable {
    /// Creates tenant, `free` subscription, settings, owner, first session and the verification
    /// token + mail in one transaction. Throws `AccountError.emailTaken`.
    func signUp(tenantID: UUID, tenantName: String, email: String, fullName: String, passwordHash: String,
                session: NewSession, verification: (tokenHash: Data, mail: OutgoingMail)) async throws -> (UserRecord, sessionID: UUID)

    /// The account behind an email (any tenant), for login and mails.
    func findLogin(email: String) async throws -> (userID: UUID, tenantID: UUID, passwordHash: String?)?

    func user(id: UUID, tenantID: UUID) async throws -> UserRecord?

    /// Whether the user has proven they own their email address; nil when there is no such user.
    func isEmailVerified(userID: UUID, tenantID: UUID) async throws -> Bool?

    /// Opens a session for a user.
    func openSession(userID: UUID, tenantID: UUID, session: NewSession) async throws -> UUID

    func updatePasswordHash(userID: UUID, tenantID: UUID, hash: String) async throws

    /// Sets a password only if the user has none; false if they already had one. `audit`
    /// (when given) is appended in the same transaction when the password was set.
    func setInitialPassword(userID: UUID, tenantID: UUID, hash: String, audit: AuditEvent?) async throws -> Bool

    /// Renames the user; `audit` (when given) is appended in the same transaction.
    func updateFullName(userID: UUID, tenantID: UUID, fullName: String, audit: AuditEvent?) async throws -> UserRecord?

    /// Rotates a refresh token (see `RefreshOutcome`). `successorHash` is the hash of the
    /// successor derived from the presented token. When a reused token ends its session,
    /// `reuseAudit` is appended about that session in the same transaction.
    func refresh(tokenHash: Data, successorHash: Data, successorExpiresAt: Date, grace: TimeInterval,
                 reuseAudit: AuditEvent) async throws -> RefreshOutcome

    /// The role of the session's user when the session is live, else nil.
    func liveSessionRole(sessionID: UUID, userID: UUID, tenantID: UUID) async throws -> Role?

    /// Ends one session. Returns whether it was live; only then is `audit` (when given)
    /// appended, in the same transaction.
    @discardableResult
    func revokeSession(sessionID: UUID, tenantID: UUID, reason: String, audit: AuditEvent?) async throws -> Bool

    /// The user of a live console session whose cookie secret hashes to `secretHash`, opened
    /// less than `maxAge` ago; nil otherwise.
    func consoleSessionUser(sessionID: UUID, tenantID: UUID, secretHash: Data, maxAge: TimeInterval) async throws -> UserRecord?

    /// Ends every live session of a user but `keep`; returns how many. `audit` (when given) is
    /// appended in the same transaction, with `sessions_revoked` added to its changes.
    @discardableResult
    func revokeOtherSessions(userID: UUID, tenantID: UUID, keep: UUID, reason: String, audit: AuditEvent?) async throws -> Int

    /// Ends all of a user's sessions; returns how many. `audit` (when given) is appended in the
    /// same transaction, with `sessions_revoked` added to its changes.
    @discardableResult
    func revokeAllSessions(userID: UUID, tenantID: UUID, reason: String, audit: AuditEvent?) async throws -> Int

    /// The session a refresh token belongs to (any state), if known.
    func sessionOfRefreshToken(tokenHash: Data, tenantID: UUID) async throws -> UUID?

    /// Stores a one-time token for a user and queues its mail, in one transaction.
    func issueOneTimeToken(userID: UUID, tenantID: UUID, purpose: OneTimeTokenPurpose, tokenHash: Data, mail: OutgoingMail) async throws

    /// Whether a one-time token of `purpose` could be consumed now, without consuming it: lets
    /// a caller refuse a bad token before doing expensive work (hashing a new password).
    func checkOneTimeToken(tokenHash: Data, purpose: OneTimeTokenPurpose) async throws -> OneTimeTokenOutcome<Void>

    /// Consumes a one-time token of `purpose` and, in the same transaction, runs `action`
    /// (tenant scope, the token's user).
    func consumeOneTimeToken<Value: Sendable>(
        tokenHash: Data, purpose: OneTimeTokenPurpose,
        _ action: @Sendable (PostgresSession, _ tenantID: UUID, _ userID: UUID) async throws -> Value
    ) async throws -> OneTimeTokenOutcome<Value>
}
