import Crypto
import Foundation
import GatehouseAuth
import GatehouseCore
import GatehouseStore
import Postgres

/// The account rules shared by the JSON API and the console: password sign-in, throttling of
/// unauthenticated attempts, one-time links (verify email, reset password, magic link) and
/// the mails that carry them. Callers bring the request's IP and user agent.
public struct AccountService: Sendable {
    public let accounts: any AccountRepository
    public let passwords: PasswordHasher
    public let throttle: any AuthThrottling
    /// Base of links in mails (`PUBLIC_URL`).
    public let publicURL: String
    public let throttlePerIP: Int
    public let throttlePerEmail: Int
    public let throttleWindowSeconds: Int
    public let clock: @Sendable () -> Date

    /// Refresh tokens (and so sessions without use) live 30 days.
    public static let refreshLifetime: TimeInterval = 30 * 24 * 3600

    /// Where the mail links lead: the console's pages under `PUBLIC_URL`.
    public enum LinkPath {
        public static let verifyEmail = "/auth/verify-email"
        public static let resetPassword = "/auth/reset-password"
        public static let magicLink = "/auth/magic-link"
    }

    public init(accounts: any AccountRepository, passwords: PasswordHasher, throttle: any AuthThrottling, publicURL: String,
                throttlePerIP: Int, throttlePerEmail: Int, throttleWindowSeconds: Int, clock: @escaping @Sendable () -> Date) {
        self.accounts = accounts
        self.passwords = passwords
        self.throttle = throttle
        self.publicURL = publicURL
        self.throttlePerIP = throttlePerIP
        self.throttlePerEmail = throttlePerEmail
        self.throttleWindowSeconds = throttleWindowSeconds
        self.clock = clock
    }

    /// A new session's row: its first refresh token's hash, and for the console the hash of the
    /// cookie's secret.
    public func newSession(refreshToken: String, consoleSecret: String? = nil, ip: String?, userAgent: String?) -> NewSession {
        NewSession(refreshTokenHash: OpaqueToken.hash(refreshToken),
                   refreshTokenExpiresAt: clock().addingTimeInterval(Self.refreshLifetime),
                   ip: ip, userAgent: userAgent, consoleSecretHash: consoleSecret.map(OpaqueToken.hash))
    }

    /// Creates a tenant and its owner, opens `session`, and queues the verification mail, in
    /// one transaction. 409 when the email is taken.
    public func signUp(email rawEmail: String, password: String, fullName rawName: String, tenantName rawTenant: String,
                       ip: String?, session: NewSession) async throws -> (UserRecord, sessionID: UUID) {
        let email = try AuthValidation.email(rawEmail)
        try AuthValidation.newPassword(password, field: "password")
        let fullName = try AuthValidation.name(rawName, field: "full_name")
        let tenantName = try AuthValidation.name(rawTenant, field: "tenant_name")
        try await throttle("signup", email: email, ip: ip)

        let hash = try await hashPassword(password)
        let verifyToken = OpaqueToken.generate()
        let mail = AuthMails.verifyEmail(to: email, name: fullName, link: link(LinkPath.verifyEmail, token: verifyToken))
        do {
            return try await accounts.signUp(
                tenantID: UUID(), tenantName: tenantName, email: email, fullName: fullName, passwordHash: hash,
                session: session, verification: (OpaqueToken.hash(verifyToken), mail))
        } catch AccountError.emailTaken {
            throw GatehouseError(.conflict, "An account with this email already exists.")
        }
    }

    /// Checks email and password and opens `session`. Unknown emails cost a dummy verification,
    /// so the answer's timing does not reveal accounts; an outdated hash is upgraded.
    public func logIn(email rawEmail: String, password: String, ip: String?, session: NewSession) async throws -> (UserRecord, sessionID: UUID) {
        let email = try AuthValidation.email(rawEmail)
        guard (1...128).contains(password.count) else {
            throw GatehouseError.validation("password", "must be 1-128 characters")
        }
        try await throttle("login", email: email, ip: ip)

        let invalid = GatehouseError(.invalidCredentials, "The email or password is not correct.")
        guard let account = try await accounts.findLogin(email: email), let stored = account.passwordHash else {
            _ = try await busyAware { try await self.passwords.verifyDummy(password) }
            throw invalid
        }
        guard try await busyAware({ try await self.passwords.verify(password, phc: stored) }) else { throw invalid }
        if passwords.needsRehash(stored) {
            // The cost parameters changed since this hash was made: upgrade it now that we know the password.
            if let upgraded = try? await passwords.hash(password) {
                try? await accounts.updatePasswordHash(userID: account.userID, tenantID: account.tenantID, hash: upgraded)
            }
        }
        let sessionID = try await accounts.openSession(userID: account.userID, tenantID: account.tenantID, session: session)
        guard let user = try await accounts.user(id: account.userID, tenantID: account.tenantID) else { throw invalid }
        return (user, sessionID)
    }

    /// Mails a password-reset link when the email belongs to an account (the caller answers the
    /// same either way).
    public func requestPasswordReset(email rawEmail: String, ip: String?) async throws {
        let email = try AuthValidation.email(rawEmail)
        try await throttle("forgot", email: email, ip: ip)
        try await mailOneTimeLink(to: email, purpose: .resetPassword) { token in
            AuthMails.resetPassword(to: email, link: link(LinkPath.resetPassword, token: token))
        }
    }

    /// Mails a sign-in link when the email belongs to an account.
    public func requestMagicLink(email rawEmail: String, ip: String?) async throws {
        let email = try AuthValidation.email(rawEmail)
        try await throttle("magic", email: email, ip: ip)
        try await mailOneTimeLink(to: email, purpose: .magicLink) { token in
            AuthMails.magicLink(to: email, link: link(LinkPath.magicLink, token: token))
        }
    }

    /// Sets a new password with a reset token and ends every session of the user.
    public func resetPassword(token rawToken: String, newPassword: String) async throws {
        let token = try AuthValidation.token(rawToken, field: "token")
        try AuthValidation.newPassword(newPassword, field: "new_password")
        // Hash first: a full worker pool must not burn the token.
        let hash = try await hashPassword(newPassword)
        let outcome = try await accounts.consumeOneTimeToken(tokenHash: OpaqueToken.hash(token), purpose: .resetPassword) { db, _, userID in
            try await db.execute("""
                UPDATE users SET password_hash = \(hash), email_verified_at = COALESCE(email_verified_at, now())
                 WHERE id = \(userID)
                """)
            return try await PostgresAccountRepository.revokeAllSessions(db, userID: userID, reason: "password_reset")
        }
        _ = try Self.oneTimeResult(outcome, what: "reset link")
    }

    /// Marks the address verified; with `session`, also signs the user in (the console).
    public func verifyEmail(token rawToken: String, session: NewSession?) async throws -> (UserRecord, sessionID: UUID?) {
        let token = try AuthValidation.token(rawToken, field: "token")
        let outcome = try await accounts.consumeOneTimeToken(tokenHash: OpaqueToken.hash(token), purpose: .verifyEmail) { db, tenantID, userID in
            try await db.execute("UPDATE users SET email_verified_at = COALESCE(email_verified_at, now()) WHERE id = \(userID)")
            let sessionID = try await session.asyncMap {
                try await PostgresAccountRepository.insertSession(db, tenantID: tenantID, userID: userID, session: $0)
            }
            return try await PostgresAccountRepository.user(db, id: userID).map { SignedIn(user: $0, sessionID: sessionID) }
        }
        guard let verified = try Self.oneTimeResult(outcome, what: "verification link") else {
            throw GatehouseError(.unauthorized, "The verification link is not valid.")
        }
        return (verified.user, verified.sessionID)
    }

    /// Consumes a magic link and opens `session` (following the link proves the address).
    public func consumeMagicLink(token rawToken: String, session: NewSession) async throws -> (UserRecord, sessionID: UUID) {
        let token = try AuthValidation.token(rawToken, field: "token")
        let outcome = try await accounts.consumeOneTimeToken(tokenHash: OpaqueToken.hash(token), purpose: .magicLink) { db, tenantID, userID in
            try await db.execute("UPDATE users SET email_verified_at = COALESCE(email_verified_at, now()) WHERE id = \(userID)")
            let sessionID = try await PostgresAccountRepository.insertSession(db, tenantID: tenantID, userID: userID, session: session)
            return try await PostgresAccountRepository.user(db, id: userID).map { SignedIn(user: $0, sessionID: sessionID) }
        }
        guard let signedIn = try Self.oneTimeResult(outcome, what: "sign-in link"), let sessionID = signedIn.sessionID else {
            throw GatehouseError(.unauthorized, "The sign-in link is not valid.")
        }
        return (signedIn.user, sessionID)
    }

    /// Changes a signed-in user's password after checking the current one, and ends every other
    /// session of the user.
    public func changePassword(userID: UUID, tenantID: UUID, keepSessionID: UUID, current: String, new: String) async throws {
        try AuthValidation.newPassword(new, field: "new_password")
        guard let user = try await accounts.user(id: userID, tenantID: tenantID),
              let account = try await accounts.findLogin(email: user.email), account.userID == userID else {
            throw GatehouseError.unauthorized
        }
        if let stored = account.passwordHash {
            guard try await busyAware({ try await self.passwords.verify(current, phc: stored) }) else {
                throw GatehouseError(.validationFailed, "current_password: is not correct",
                                     fieldErrors: [.init(field: "current_password", message: "is not correct")])
            }
        }
        let hash = try await hashPassword(new)
        try await accounts.updatePasswordHash(userID: userID, tenantID: tenantID, hash: hash)
        try await accounts.revokeOtherSessions(userID: userID, tenantID: tenantID, keep: keepSessionID, reason: "password_changed")
    }

    /// Argon2id on the worker pool; a full pool is 503 + Retry-After.
    public func hashPassword(_ password: String) async throws -> String {
        try await busyAware { try await self.passwords.hash(password) }
    }

    /// Counts one attempt per client IP and per email; 429 + Retry-After when either is over.
    public func throttle(_ action: String, email: String, ip: String?) async throws {
        let emailKey = Data(SHA256.hash(data: Data(email.lowercased().utf8))).base64URLEncodedString()
        var buckets = [("\(action):email:\(emailKey)", throttlePerEmail)]
        if let ip { buckets.insert(("\(action):ip:\(ip)", throttlePerIP), at: 0) }
        for (bucket, limit) in buckets where limit > 0 {
            if let retryAfter = try await throttle.hit(bucket: bucket, limit: limit, windowSeconds: throttleWindowSeconds) {
                throw GatehouseError(.rateLimited, "Too many attempts; retry in \(retryAfter) s.",
                                     extensions: ["retry_after_ms": .int(retryAfter * 1000)],
                                     headers: ["Retry-After": "\(retryAfter)"])
            }
        }
    }

    /// Issues a one-time token and queues its mail in one transaction, when the email belongs
    /// to an account; unknown emails do nothing, so the answer reveals nothing.
    public func mailOneTimeLink(
        to email: String, purpose: OneTimeTokenPurpose, mail: (_ token: String) -> OutgoingMail
    ) async throws {
        guard let account = try await accounts.findLogin(email: email) else { return }
        let token = OpaqueToken.generate()
        try await accounts.issueOneTimeToken(userID: account.userID, tenantID: account.tenantID, purpose: purpose,
                                             tokenHash: OpaqueToken.hash(token), mail: mail(token))
    }

    /// `PUBLIC_URL` + `path` + `?token=`.
    public func link(_ path: String, token: String) -> String {
        var base = publicURL
        while base.hasSuffix("/") { base.removeLast() }
        return "\(base)\(path)?token=\(token)"
    }

    /// Maps a full Argon2 pool to 503 + Retry-After.
    public func busyAware<T>(_ work: () async throws -> T) async throws -> T {
        do {
            return try await work()
        } catch is BlockingWorkerPool.Busy {
            throw GatehouseError(.serviceUnavailable, "The server is busy; retry shortly.", headers: ["Retry-After": "1"])
        }
    }

    static func oneTimeResult<Value>(_ outcome: OneTimeTokenOutcome<Value>, what: String) throws -> Value {
        switch outcome {
        case .consumed(let value): return value
        case .invalid: throw GatehouseError(.unauthorized, "The \(what) is not valid or was already used.")
        case .expired: throw GatehouseError(.tokenExpired, "The \(what) has expired; request a new one.")
        }
    }
}

/// A user signed in (or not) on a session opened inside a one-time-token transaction.
private struct SignedIn: Sendable {
    var user: UserRecord
    var sessionID: UUID?
}

extension Optional {
    fileprivate func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}
