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
    /// Key and billing power waits for a verified email (`REQUIRE_VERIFIED_EMAIL`).
    public let verifiedEmail: VerifiedEmailRule
    /// Base of links in mails (`PUBLIC_URL`).
    public let publicURL: String
    public let throttlePerIP: Int
    /// Per email: every signup and mail request; for logins, failures per email and client.
    public let throttlePerEmail: Int
    /// Failed logins per email from any client (the looser cap).
    public let throttlePerEmailAnyIP: Int
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

    public init(accounts: any AccountRepository, passwords: PasswordHasher, throttle: any AuthThrottling,
                verifiedEmail: VerifiedEmailRule, publicURL: String, throttlePerIP: Int, throttlePerEmail: Int,
                throttlePerEmailAnyIP: Int, throttleWindowSeconds: Int, clock: @escaping @Sendable () -> Date) {
        self.accounts = accounts
        self.passwords = passwords
        self.throttle = throttle
        self.verifiedEmail = verifiedEmail
        self.publicURL = publicURL
        self.throttlePerIP = throttlePerIP
        self.throttlePerEmail = throttlePerEmail
        self.throttlePerEmailAnyIP = throttlePerEmailAnyIP
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
        try await throttleClient("login", ip: ip)
        // Counted against the email only if it fails: a success gives its place back below.
        let reserved = try await reserveLoginFailure(email: email, ip: ip)

        let invalid = GatehouseError(.invalidCredentials, "The email or password is not correct.")
        guard let account = try await accounts.findLogin(email: email), let stored = account.passwordHash else {
            _ = try await busyAware { try await self.passwords.verifyDummy(password) }
            throw invalid
        }
        guard try await busyAware({ try await self.passwords.verify(password, phc: stored) }) else { throw invalid }
        await refundLoginFailure(reserved)
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

    /// Sets a new password with a reset token and ends every session of the user (and, with
    /// `revokeAPIKeys`, revokes every key the user made). The token is checked before Argon2 runs,
    /// so anonymous garbage cannot fill the hashing queue; the first proof of ownership of a
    /// never-verified address also undoes what whoever signed up with it set up.
    public func resetPassword(token rawToken: String, newPassword: String, revokeAPIKeys: Bool = false,
                              client: ClientOrigin = ClientOrigin()) async throws {
        let token = try AuthValidation.token(rawToken, field: "token")
        try AuthValidation.newPassword(newPassword, field: "new_password")
        try await throttleClient("reset", ip: client.ip)
        let tokenHash = OpaqueToken.hash(token)
        _ = try Self.oneTimeResult(try await accounts.checkOneTimeToken(tokenHash: tokenHash, purpose: .resetPassword), what: "reset link")
        // Hashed before the token is consumed: a full worker pool must not burn the token.
        let hash = try await hashPassword(newPassword)
        let outcome = try await accounts.consumeOneTimeToken(tokenHash: tokenHash, purpose: .resetPassword) { db, tenantID, userID in
            let proof = try await PostgresAccountRepository.proveEmailOwnership(db, userID: userID)
            if let proof {
                try await AuditLog.append(.emailOwnershipProven(proof, user: userID, via: "password_reset", client: client), tenantID: tenantID, in: db)
            }
            try await db.execute("UPDATE users SET password_hash = \(hash) WHERE id = \(userID)")
            let sessions = try await PostgresAccountRepository.revokeAllSessions(db, userID: userID, reason: "password_reset")
            var keysRevoked = 0
            if revokeAPIKeys, proof == nil {
                keysRevoked = try await PostgresAccountRepository.revokeAPIKeys(db, createdBy: userID)
            }
            try await AuditLog.append(.byUser("user.password_reset", user: userID, client: client, changes: [
                "sessions_revoked": .int(sessions + (proof?.sessionsEnded ?? 0)),
                "api_keys_revoked": .int(keysRevoked + (proof?.apiKeysRevoked ?? 0)),
                "revoke_api_keys": .bool(revokeAPIKeys),
            ]), tenantID: tenantID, in: db)
        }
        _ = try Self.oneTimeResult(outcome, what: "reset link")
    }

    /// Marks the address verified; with `session`, also signs the user in (the console). Sent
    /// by the signed-in user who signed up (`signedInUserID`), the account stays as it is;
    /// otherwise the first verification of a never-verified address is its owner claiming it
    /// (see `PostgresAccountRepository.proveEmailOwnership`).
    public func verifyEmail(token rawToken: String, session: NewSession?, signedInUserID: UUID? = nil,
                            client: ClientOrigin = ClientOrigin()) async throws -> (UserRecord, sessionID: UUID?) {
        let token = try AuthValidation.token(rawToken, field: "token")
        try await throttleClient("verify", ip: client.ip)
        let outcome = try await accounts.consumeOneTimeToken(tokenHash: OpaqueToken.hash(token), purpose: .verifyEmail) { db, tenantID, userID in
            let keep = signedInUserID == userID
            if let proof = try await PostgresAccountRepository.proveEmailOwnership(db, userID: userID, keepPassword: keep), !keep {
                try await AuditLog.append(.emailOwnershipProven(proof, user: userID, via: "verify_link", client: client), tenantID: tenantID, in: db)
            }
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

    /// Consumes a magic link and opens `session` (following the link proves the address; the
    /// first time, whoever signed up with it loses what they set up).
    public func consumeMagicLink(token rawToken: String, session: NewSession,
                                 client: ClientOrigin = ClientOrigin()) async throws -> (UserRecord, sessionID: UUID) {
        let token = try AuthValidation.token(rawToken, field: "token")
        try await throttleClient("magic-verify", ip: client.ip)
        let outcome = try await accounts.consumeOneTimeToken(tokenHash: OpaqueToken.hash(token), purpose: .magicLink) { db, tenantID, userID in
            if let proof = try await PostgresAccountRepository.proveEmailOwnership(db, userID: userID) {
                try await AuditLog.append(.emailOwnershipProven(proof, user: userID, via: "magic_link", client: client), tenantID: tenantID, in: db)
            }
            let sessionID = try await PostgresAccountRepository.insertSession(db, tenantID: tenantID, userID: userID, session: session)
            return try await PostgresAccountRepository.user(db, id: userID).map { SignedIn(user: $0, sessionID: sessionID) }
        }
        guard let signedIn = try Self.oneTimeResult(outcome, what: "sign-in link"), let sessionID = signedIn.sessionID else {
            throw GatehouseError(.unauthorized, "The sign-in link is not valid.")
        }
        return (signedIn.user, sessionID)
    }

    /// Changes a signed-in user's password after checking the current one, and ends every other
    /// session of the user (audited as `user.password_change` by the user, from `client`).
    public func changePassword(userID: UUID, tenantID: UUID, keepSessionID: UUID, current: String, new: String,
                               client: ClientOrigin = ClientOrigin()) async throws {
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
        try await accounts.revokeOtherSessions(
            userID: userID, tenantID: tenantID, keep: keepSessionID, reason: "password_changed",
            audit: .byUser("user.password_change", user: userID, client: client, changes: [:]))
    }

    /// Argon2id on the worker pool; a full pool is 503 + Retry-After.
    public func hashPassword(_ password: String) async throws -> String {
        try await busyAware { try await self.passwords.hash(password) }
    }

    /// Counts one attempt from the client and one for `email` (signups and mail requests); 429 +
    /// Retry-After when either is over.
    public func throttle(_ action: String, email: String, ip: String?) async throws {
        try await throttleClient(action, ip: ip)
        try await throttleHit("\(action):email:\(Self.throttleKey(email: email))", limit: throttlePerEmail)
    }

    /// Counts one attempt from the client (an IPv4 address, or an IPv6 client's /64).
    public func throttleClient(_ action: String, ip: String?) async throws {
        guard let client = Self.clientKey(ip) else { return }
        try await throttleHit("\(action):ip:\(client)", limit: throttlePerIP)
    }

    /// Takes a place for one login of `email` in its failure buckets, per email + client and per
    /// email from any client (429 when one is full); `refundLoginFailure` gives them back when
    /// the password was right, so only failures count.
    public func reserveLoginFailure(email: String, ip: String?) async throws -> [String] {
        let emailKey = Self.throttleKey(email: email)
        let buckets = [
            ("login-fail:email-ip:\(emailKey):\(Self.clientKey(ip) ?? "-")", throttlePerEmail),
            ("login-fail:email:\(emailKey)", throttlePerEmailAnyIP),
        ].filter { $0.1 > 0 }
        var taken: [String] = []
        do {
            for (bucket, limit) in buckets {
                try await throttleHit(bucket, limit: limit)
                taken.append(bucket)
            }
        } catch {
            await refundLoginFailure(taken)
            throw error
        }
        return taken
    }

    public func refundLoginFailure(_ buckets: [String]) async {
        for bucket in buckets {
            try? await throttle.refund(bucket: bucket, windowSeconds: throttleWindowSeconds)
        }
    }

    /// Counts one hit on `bucket` (0 = no cap); 429 + Retry-After when it is over.
    func throttleHit(_ bucket: String, limit: Int) async throws {
        guard limit > 0 else { return }
        if let retryAfter = try await throttle.hit(bucket: bucket, limit: limit, windowSeconds: throttleWindowSeconds) {
            throw GatehouseError(.rateLimited, "Too many attempts; retry in \(retryAfter) s.",
                                 extensions: ["retry_after_ms": .int(retryAfter * 1000)],
                                 headers: ["Retry-After": "\(retryAfter)"])
        }
    }

    static func clientKey(_ ip: String?) -> String? {
        guard let ip else { return nil }
        return IPAddress(ip)?.clientKey ?? ip
    }

    /// An email address as a bucket name: hashed, so the table holds no addresses.
    static func throttleKey(email: String) -> String {
        Data(SHA256.hash(data: Data(email.lowercased().utf8))).base64URLEncodedString()
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
