import Crypto
import Foundation
import GatehouseAuth
import GatehouseCore
import GatehouseStore
import OpenAPIRuntime
import Postgres

extension GatehouseService {
    /// GET /.well-known/jwks.json
    func getWellKnownJwks(_ input: Operations.GetWellKnownJwks.Input) async throws -> Operations.GetWellKnownJwks.Output {
        RequestScope.current?.state.setHeader("Cache-Control", "public, max-age=300")
        let tokens = auth.tokens
        return .ok(.init(body: .json(.init(keys: [
            .init(kty: .okp, crv: .ed25519, x: tokens.publicKeyX, kid: tokens.keyID, alg: .edDSA, use: .sig),
        ]))))
    }

    /// POST /api/v2/auth/signup
    func authSignup(_ input: Operations.AuthSignup.Input) async throws -> Operations.AuthSignup.Output {
        guard case .json(let body) = input.body else { throw GatehouseError.invalidRequest("Send a JSON body.") }
        let email = try AuthValidation.email(body.email)
        try AuthValidation.newPassword(body.password, field: "password")
        let fullName = try AuthValidation.name(body.fullName, field: "full_name")
        let tenantName = try AuthValidation.name(body.tenantName, field: "tenant_name")
        try await throttle("signup", email: email)

        let hash = try await hashPassword(body.password)
        let refreshToken = OpaqueToken.generate()
        let verifyToken = OpaqueToken.generate()
        let mail = AuthMails.verifyEmail(to: email, name: fullName, link: link("/auth/verify-email", token: verifyToken))
        let created: (UserRecord, sessionID: UUID)
        do {
            created = try await auth.accounts.signUp(
                tenantID: UUID(), tenantName: tenantName, email: email, fullName: fullName, passwordHash: hash,
                session: newSession(refreshToken), verification: (OpaqueToken.hash(verifyToken), mail))
        } catch AccountError.emailTaken {
            throw GatehouseError(.conflict, "An account with this email already exists.")
        }
        let user = created.0
        requestLogger.info("signup", metadata: ["user_id": .string(user.id.lowercased), "tenant_id": .string(user.tenantID.lowercased)])
        return .created(.init(body: .json(try await tokenPair(user: user, sessionID: created.sessionID, refreshToken: refreshToken))))
    }

    /// POST /api/v2/auth/login
    func authLogin(_ input: Operations.AuthLogin.Input) async throws -> Operations.AuthLogin.Output {
        guard case .json(let body) = input.body else { throw GatehouseError.invalidRequest("Send a JSON body.") }
        let email = try AuthValidation.email(body.email)
        guard (1...128).contains(body.password.count) else {
            throw GatehouseError.validation("password", "must be 1-128 characters")
        }
        try await throttle("login", email: email)

        let invalid = GatehouseError(.invalidCredentials, "The email or password is not correct.")
        guard let account = try await auth.accounts.findLogin(email: email), let stored = account.passwordHash else {
            // Same work as a real check, so the answer's timing does not reveal the account.
            _ = try await busyAware { try await self.auth.passwords.verifyDummy(body.password) }
            throw invalid
        }
        guard try await busyAware({ try await self.auth.passwords.verify(body.password, phc: stored) }) else {
            throw invalid
        }
        if auth.passwords.needsRehash(stored) {
            // The cost parameters changed since this hash was made: upgrade it now that we know the password.
            do {
                let upgraded = try await auth.passwords.hash(body.password)
                try await auth.accounts.updatePasswordHash(userID: account.userID, tenantID: account.tenantID, hash: upgraded)
            } catch {
                requestLogger.warning("login: password re-hash skipped", metadata: ["error": "\(error)"])
            }
        }
        let refreshToken = OpaqueToken.generate()
        let sessionID = try await auth.accounts.openSession(userID: account.userID, tenantID: account.tenantID,
                                                            session: newSession(refreshToken))
        guard let user = try await auth.accounts.user(id: account.userID, tenantID: account.tenantID) else { throw invalid }
        return .ok(.init(body: .json(try await tokenPair(user: user, sessionID: sessionID, refreshToken: refreshToken))))
    }

    /// POST /api/v2/auth/refresh
    func authRefresh(_ input: Operations.AuthRefresh.Input) async throws -> Operations.AuthRefresh.Output {
        guard case .json(let body) = input.body else { throw GatehouseError.invalidRequest("Send a JSON body.") }
        let presented = try AuthValidation.token(body.refreshToken, field: "refresh_token")
        let successor = auth.refreshDeriver.successor(of: presented)
        let outcome = try await auth.accounts.refresh(
            tokenHash: OpaqueToken.hash(presented), successorHash: OpaqueToken.hash(successor),
            successorExpiresAt: auth.clock().addingTimeInterval(AuthContext.refreshLifetime), grace: AuthContext.refreshGrace)
        switch outcome {
        case .rotated(let user, let sessionID):
            return .ok(.init(body: .json(try await tokenPair(user: user, sessionID: sessionID, refreshToken: successor))))
        case .invalid:
            throw GatehouseError(.unauthorized, "The refresh token is not valid.")
        case .expired:
            throw GatehouseError(.tokenExpired, "The refresh token has expired; sign in again.")
        case .reused:
            requestLogger.warning("refresh token reused: session revoked")
            throw GatehouseError(.refreshTokenReused, "This refresh token was already used; the session has been ended. Sign in again.")
        }
    }

    /// GET /api/v2/auth/me
    func authMe(_ input: Operations.AuthMe.Input) async throws -> Operations.AuthMe.Output {
        .ok(.init(body: .json(try await currentUser())))
    }

    /// POST /api/v2/auth/logout
    func authLogout(_ input: Operations.AuthLogout.Input) async throws -> Operations.AuthLogout.Output {
        let identity = try currentIdentity()
        var scope = Components.Schemas.LogoutScope.local
        var refreshToken: String?
        if case .json(let body)? = input.body {
            scope = body.scope ?? .local
            refreshToken = try body.refreshToken.map { try AuthValidation.token($0, field: "refresh_token") }
        }
        switch scope {
        case .global:
            try await auth.accounts.revokeAllSessions(userID: identity.userID, tenantID: identity.tenantID, reason: "logout_global")
        case .local:
            try await auth.accounts.revokeSession(sessionID: identity.sessionID, tenantID: identity.tenantID, reason: "logout")
            if let refreshToken,
               let other = try await auth.accounts.sessionOfRefreshToken(tokenHash: OpaqueToken.hash(refreshToken), tenantID: identity.tenantID),
               other != identity.sessionID,
               try await auth.accounts.liveSessionRole(sessionID: other, userID: identity.userID, tenantID: identity.tenantID) != nil {
                try await auth.accounts.revokeSession(sessionID: other, tenantID: identity.tenantID, reason: "logout")
            }
        }
        if scope == .global {
            // Ending every session of an account is a security event; a plain logout is not.
            try await auditEvents.record(
                .byRequest("auth_session.revoke_all", on: ("user", identity.userID), changes: ["reason": "logout_global"]),
                tenantID: identity.tenantID)
        }
        return .noContent(.init())
    }

    /// POST /api/v2/auth/forgot-password
    func authForgotPassword(_ input: Operations.AuthForgotPassword.Input) async throws -> Operations.AuthForgotPassword.Output {
        guard case .json(let body) = input.body else { throw GatehouseError.invalidRequest("Send a JSON body.") }
        let email = try AuthValidation.email(body.email)
        try await throttle("forgot", email: email)
        try await mailOneTimeLink(to: email, purpose: .resetPassword) { token in
            AuthMails.resetPassword(to: email, link: link("/auth/reset-password", token: token))
        }
        return .accepted(.init())
    }

    /// POST /api/v2/auth/reset-password
    func authResetPassword(_ input: Operations.AuthResetPassword.Input) async throws -> Operations.AuthResetPassword.Output {
        guard case .json(let body) = input.body else { throw GatehouseError.invalidRequest("Send a JSON body.") }
        let token = try AuthValidation.token(body.token, field: "token")
        try AuthValidation.newPassword(body.newPassword, field: "new_password")
        // Hash first: a full worker pool must not burn the token.
        let hash = try await hashPassword(body.newPassword)
        let outcome = try await auth.accounts.consumeOneTimeToken(tokenHash: OpaqueToken.hash(token), purpose: .resetPassword) { db, _, userID in
            try await db.execute("""
                UPDATE users SET password_hash = \(hash), email_verified_at = COALESCE(email_verified_at, now())
                 WHERE id = \(userID)
                """)
            return try await PostgresAccountRepository.revokeAllSessions(db, userID: userID, reason: "password_reset")
        }
        _ = try oneTimeResult(outcome, what: "reset link")
        return .noContent(.init())
    }

    /// POST /api/v2/auth/verify-email
    func authVerifyEmail(_ input: Operations.AuthVerifyEmail.Input) async throws -> Operations.AuthVerifyEmail.Output {
        guard case .json(let body) = input.body else { throw GatehouseError.invalidRequest("Send a JSON body.") }
        let token = try AuthValidation.token(body.token, field: "token")
        let outcome = try await auth.accounts.consumeOneTimeToken(tokenHash: OpaqueToken.hash(token), purpose: .verifyEmail) { db, _, userID in
            try await db.execute("UPDATE users SET email_verified_at = COALESCE(email_verified_at, now()) WHERE id = \(userID)")
            return try await PostgresAccountRepository.user(db, id: userID)
        }
        guard let user = try oneTimeResult(outcome, what: "verification link") else {
            throw GatehouseError(.unauthorized, "The verification link is not valid.")
        }
        return .ok(.init(body: .json(Self.userSchema(user))))
    }

    /// POST /api/v2/auth/magic-link/request
    func authMagicLinkRequest(_ input: Operations.AuthMagicLinkRequest.Input) async throws -> Operations.AuthMagicLinkRequest.Output {
        guard case .json(let body) = input.body else { throw GatehouseError.invalidRequest("Send a JSON body.") }
        let email = try AuthValidation.email(body.email)
        try await throttle("magic", email: email)
        try await mailOneTimeLink(to: email, purpose: .magicLink) { token in
            AuthMails.magicLink(to: email, link: link("/api/v2/auth/magic-link", token: token))
        }
        return .accepted(.init())
    }

    /// POST /api/v2/auth/magic-link/verify
    func authMagicLinkVerify(_ input: Operations.AuthMagicLinkVerify.Input) async throws -> Operations.AuthMagicLinkVerify.Output {
        guard case .json(let body) = input.body else { throw GatehouseError.invalidRequest("Send a JSON body.") }
        let token = try AuthValidation.token(body.token, field: "token")
        return .ok(.init(body: .json(try await consumeMagicLink(token))))
    }

    /// GET /api/v2/auth/magic-link: a page that does not consume the token (mail scanners
    /// prefetch links); its button POSTs the token.
    func authMagicLinkPage(_ input: Operations.AuthMagicLinkPage.Input) async throws -> Operations.AuthMagicLinkPage.Output {
        let token = try AuthValidation.token(input.query.token, field: "token")
        setPageHeaders()
        return .ok(.init(body: .html(HTTPBody(MagicLinkPages.form(token: token)))))
    }

    /// POST /api/v2/auth/magic-link (the page's form).
    func authMagicLinkPageSubmit(_ input: Operations.AuthMagicLinkPageSubmit.Input) async throws -> Operations.AuthMagicLinkPageSubmit.Output {
        guard case .urlEncodedForm(let form) = input.body else { throw GatehouseError.invalidRequest("Send the form.") }
        let token = try AuthValidation.token(form.token, field: "token")
        setPageHeaders()
        do {
            let pair = try await consumeMagicLink(token)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            encoder.dateEncodingStrategy = .iso8601
            let json = String(decoding: try encoder.encode(pair), as: UTF8.self)
            return .ok(.init(body: .html(HTTPBody(MagicLinkPages.signedIn(tokenPairJSON: json)))))
        } catch let error as GatehouseError where error.code == .unauthorized || error.code == .tokenExpired {
            return .unauthorized(.init(body: .html(HTTPBody(MagicLinkPages.failed(expired: error.code == .tokenExpired)))))
        }
    }

    /// POST /api/v2/auth/setup-password
    func authSetupPassword(_ input: Operations.AuthSetupPassword.Input) async throws -> Operations.AuthSetupPassword.Output {
        let identity = try currentIdentity()
        guard case .json(let body) = input.body else { throw GatehouseError.invalidRequest("Send a JSON body.") }
        try AuthValidation.newPassword(body.password, field: "password")
        let hash = try await hashPassword(body.password)
        guard try await auth.accounts.setInitialPassword(userID: identity.userID, tenantID: identity.tenantID, hash: hash) else {
            throw GatehouseError(.conflict, "This account already has a password; use the reset flow to change it.")
        }
        return .noContent(.init())
    }

    // MARK: - Helpers

    func currentIdentity() throws -> UserIdentity {
        guard case .user(let identity)? = RequestScope.current?.principal else { throw GatehouseError.unauthorized }
        return identity
    }

    func currentUser() async throws -> Components.Schemas.User {
        let identity = try currentIdentity()
        guard let user = try await auth.accounts.user(id: identity.userID, tenantID: identity.tenantID) else {
            throw GatehouseError.unauthorized
        }
        return Self.userSchema(user)
    }

    static func userSchema(_ user: UserRecord) -> Components.Schemas.User {
        .init(id: user.id.lowercased, email: user.email, fullName: user.fullName,
              role: Components.Schemas.Role(rawValue: user.role.rawValue)!, tenantId: user.tenantID.lowercased,
              emailVerified: user.emailVerified, hasPassword: user.hasPassword, createdAt: user.createdAt)
    }

    private func tokenPair(user: UserRecord, sessionID: UUID, refreshToken: String) async throws -> Components.Schemas.TokenPair {
        let access = try await auth.tokens.mint(userID: user.id, tenantID: user.tenantID, role: user.role, sessionID: sessionID)
        return .init(accessToken: access, refreshToken: refreshToken, tokenType: .bearer,
                     expiresIn: Int(AccessTokenService.lifetime), user: Self.userSchema(user))
    }

    private func newSession(_ refreshToken: String) -> NewSession {
        NewSession(refreshTokenHash: OpaqueToken.hash(refreshToken),
                   refreshTokenExpiresAt: auth.clock().addingTimeInterval(AuthContext.refreshLifetime),
                   ip: RequestScope.current?.clientIP, userAgent: RequestScope.current?.userAgent)
    }

    private func consumeMagicLink(_ token: String) async throws -> Components.Schemas.TokenPair {
        let refreshToken = OpaqueToken.generate()
        let session = newSession(refreshToken)
        let outcome = try await auth.accounts.consumeOneTimeToken(tokenHash: OpaqueToken.hash(token), purpose: .magicLink) { db, tenantID, userID in
            // Following the link proves the address.
            try await db.execute("UPDATE users SET email_verified_at = COALESCE(email_verified_at, now()) WHERE id = \(userID)")
            let sessionID = try await PostgresAccountRepository.insertSession(db, tenantID: tenantID, userID: userID, session: session)
            return (try await PostgresAccountRepository.user(db, id: userID)).map { SignedIn(user: $0, sessionID: sessionID) }
        }
        guard let signedIn = try oneTimeResult(outcome, what: "sign-in link") else {
            throw GatehouseError(.unauthorized, "The sign-in link is not valid.")
        }
        return try await tokenPair(user: signedIn.user, sessionID: signedIn.sessionID, refreshToken: refreshToken)
    }

    private func oneTimeResult<Value>(_ outcome: OneTimeTokenOutcome<Value>, what: String) throws -> Value {
        switch outcome {
        case .consumed(let value): return value
        case .invalid: throw GatehouseError(.unauthorized, "The \(what) is not valid or was already used.")
        case .expired: throw GatehouseError(.tokenExpired, "The \(what) has expired; request a new one.")
        }
    }

    private func hashPassword(_ password: String) async throws -> String {
        try await busyAware { try await self.auth.passwords.hash(password) }
    }

    /// Maps a full Argon2 pool to 503 + Retry-After.
    private func busyAware<T>(_ work: () async throws -> T) async throws -> T {
        do {
            return try await work()
        } catch is BlockingWorkerPool.Busy {
            throw GatehouseError(.serviceUnavailable, "The server is busy; retry shortly.", headers: ["Retry-After": "1"])
        }
    }

    /// Counts one attempt per client IP and per email; 429 + Retry-After when either is over.
    private func throttle(_ action: String, email: String) async throws {
        let emailKey = Data(SHA256.hash(data: Data(email.lowercased().utf8))).base64URLEncodedString()
        var buckets = [("\(action):email:\(emailKey)", auth.throttlePerEmail)]
        if let ip = RequestScope.current?.clientIP { buckets.insert(("\(action):ip:\(ip)", auth.throttlePerIP), at: 0) }
        for (bucket, limit) in buckets where limit > 0 {
            if let retryAfter = try await auth.throttle.hit(bucket: bucket, limit: limit, windowSeconds: auth.throttleWindowSeconds) {
                throw GatehouseError(.rateLimited, "Too many attempts; retry in \(retryAfter) s.",
                                     extensions: ["retry_after_ms": .int(retryAfter * 1000)],
                                     headers: ["Retry-After": "\(retryAfter)"])
            }
        }
    }

    /// Issues a one-time token and queues its mail in one transaction, when the email belongs
    /// to an account; unknown emails get the same 202, so the answer reveals nothing.
    private func mailOneTimeLink(
        to email: String, purpose: OneTimeTokenPurpose, mail: (_ token: String) -> OutgoingMail
    ) async throws {
        guard let account = try await auth.accounts.findLogin(email: email) else { return }
        let token = OpaqueToken.generate()
        try await auth.accounts.issueOneTimeToken(userID: account.userID, tenantID: account.tenantID, purpose: purpose,
                                                  tokenHash: OpaqueToken.hash(token), mail: mail(token))
    }

    private func link(_ path: String, token: String) -> String {
        var base = auth.publicURL
        while base.hasSuffix("/") { base.removeLast() }
        return "\(base)\(path)?token=\(token)"
    }

    private func setPageHeaders() {
        RequestScope.current?.state.setHeader("Cache-Control", "no-store")
        RequestScope.current?.state.setHeader("Referrer-Policy", "no-referrer")
        RequestScope.current?.state.setHeader("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'")
        RequestScope.current?.state.setHeader("X-Frame-Options", "DENY")
    }
}

/// A user signed in on a new session.
private struct SignedIn: Sendable {
    var user: UserRecord
    var sessionID: UUID
}

extension UUID {
    /// The lowercase text form the API uses.
    var lowercased: String { uuidString.lowercased() }
}
