import Crypto
import Foundation
import GatehouseAuth
import GatehouseCore
import GatehouseServices
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
        let refreshToken = OpaqueToken.generate()
        let created = try await auth.service.signUp(
            email: body.email, password: body.password, fullName: body.fullName, tenantName: body.tenantName,
            ip: RequestScope.current?.clientIP, session: newSession(refreshToken))
        let user = created.0
        requestLogger.info("signup", metadata: ["user_id": .string(user.id.lowercased), "tenant_id": .string(user.tenantID.lowercased)])
        return .created(.init(body: .json(try await tokenPair(user: user, sessionID: created.sessionID, refreshToken: refreshToken))))
    }

    /// POST /api/v2/auth/login
    func authLogin(_ input: Operations.AuthLogin.Input) async throws -> Operations.AuthLogin.Output {
        guard case .json(let body) = input.body else { throw GatehouseError.invalidRequest("Send a JSON body.") }
        let refreshToken = OpaqueToken.generate()
        let (user, sessionID) = try await auth.service.logIn(
            email: body.email, password: body.password, ip: RequestScope.current?.clientIP, session: newSession(refreshToken))
        return .ok(.init(body: .json(try await tokenPair(user: user, sessionID: sessionID, refreshToken: refreshToken))))
    }

    /// POST /api/v2/auth/refresh
    func authRefresh(_ input: Operations.AuthRefresh.Input) async throws -> Operations.AuthRefresh.Output {
        guard case .json(let body) = input.body else { throw GatehouseError.invalidRequest("Send a JSON body.") }
        let presented = try AuthValidation.token(body.refreshToken, field: "refresh_token")
        let successor = auth.refreshDeriver.successor(of: presented)
        let outcome = try await auth.accounts.refresh(
            tokenHash: OpaqueToken.hash(presented), successorHash: OpaqueToken.hash(successor),
            successorExpiresAt: auth.clock().addingTimeInterval(AuthContext.refreshLifetime), grace: AuthContext.refreshGrace,
            // No credential but the token: the server ends the session, seen from the presenter's client.
            reuseAudit: .byRequest("auth_session.revoke", changes: ["reason": "refresh_token_reused"]))
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
        // Every ended session is an event of the user's, in the transaction that ends it.
        switch scope {
        case .global:
            try await auth.accounts.revokeAllSessions(
                userID: identity.userID, tenantID: identity.tenantID, reason: "logout_global",
                audit: .byRequest("auth_session.revoke_all", on: ("user", identity.userID), changes: ["reason": "logout_global"]))
        case .local:
            try await auth.accounts.revokeSession(
                sessionID: identity.sessionID, tenantID: identity.tenantID, reason: "logout",
                audit: .byRequest("auth_session.revoke", on: ("auth_session", identity.sessionID), changes: ["reason": "logout"]))
            if let refreshToken,
               let other = try await auth.accounts.sessionOfRefreshToken(tokenHash: OpaqueToken.hash(refreshToken), tenantID: identity.tenantID),
               other != identity.sessionID,
               try await auth.accounts.liveSessionRole(sessionID: other, userID: identity.userID, tenantID: identity.tenantID) != nil {
                try await auth.accounts.revokeSession(
                    sessionID: other, tenantID: identity.tenantID, reason: "logout",
                    audit: .byRequest("auth_session.revoke", on: ("auth_session", other), changes: ["reason": "logout"]))
            }
        }
        return .noContent(.init())
    }

    /// POST /api/v2/auth/forgot-password
    func authForgotPassword(_ input: Operations.AuthForgotPassword.Input) async throws -> Operations.AuthForgotPassword.Output {
        guard case .json(let body) = input.body else { throw GatehouseError.invalidRequest("Send a JSON body.") }
        try await auth.service.requestPasswordReset(email: body.email, ip: RequestScope.current?.clientIP)
        return .accepted(.init())
    }

    /// POST /api/v2/auth/reset-password
    func authResetPassword(_ input: Operations.AuthResetPassword.Input) async throws -> Operations.AuthResetPassword.Output {
        guard case .json(let body) = input.body else { throw GatehouseError.invalidRequest("Send a JSON body.") }
        try await auth.service.resetPassword(token: body.token, newPassword: body.newPassword,
                                             revokeAPIKeys: body.revokeApiKeys ?? false, client: Self.clientOrigin())
        return .noContent(.init())
    }

    /// POST /api/v2/auth/verify-email: sent with the access token of the user who signed up
    /// (the same browser), the account stays as it is; sent by anyone else, the first
    /// verification is a takeover by the address's owner (see `proveEmailOwnership`).
    func authVerifyEmail(_ input: Operations.AuthVerifyEmail.Input) async throws -> Operations.AuthVerifyEmail.Output {
        guard case .json(let body) = input.body else { throw GatehouseError.invalidRequest("Send a JSON body.") }
        var signedIn: UUID?
        if case .user(let identity)? = RequestScope.current?.principal { signedIn = identity.userID }
        let (user, _) = try await auth.service.verifyEmail(token: body.token, session: nil, signedInUserID: signedIn,
                                                           client: Self.clientOrigin())
        return .ok(.init(body: .json(Self.userSchema(user))))
    }

    /// POST /api/v2/auth/magic-link/request
    func authMagicLinkRequest(_ input: Operations.AuthMagicLinkRequest.Input) async throws -> Operations.AuthMagicLinkRequest.Output {
        guard case .json(let body) = input.body else { throw GatehouseError.invalidRequest("Send a JSON body.") }
        try await auth.service.requestMagicLink(email: body.email, ip: RequestScope.current?.clientIP)
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
        guard SameOriginRule(publicURL: auth.service.publicURL).allows(origin: input.headers.origin, fetchSite: input.headers.secFetchSite) else {
            // Another site's form (login CSRF: signing the victim in to the attacker's account).
            return .forbidden(.init(body: .html(HTTPBody(MagicLinkPages.crossSite()))))
        }
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
        let hash = try await auth.service.hashPassword(body.password)
        guard try await auth.accounts.setInitialPassword(
            userID: identity.userID, tenantID: identity.tenantID, hash: hash,
            audit: .byRequest("user.password_set", on: ("user", identity.userID))) else {
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
        auth.service.newSession(refreshToken: refreshToken, ip: RequestScope.current?.clientIP, userAgent: RequestScope.current?.userAgent)
    }

    private func consumeMagicLink(_ token: String) async throws -> Components.Schemas.TokenPair {
        let refreshToken = OpaqueToken.generate()
        let (user, sessionID) = try await auth.service.consumeMagicLink(token: token, session: newSession(refreshToken),
                                                                        client: Self.clientOrigin())
        return try await tokenPair(user: user, sessionID: sessionID, refreshToken: refreshToken)
    }

    /// The request's client, for throttling and the audit log.
    static func clientOrigin() -> ClientOrigin {
        let scope = RequestScope.current
        return ClientOrigin(ip: scope?.clientIP, userAgent: scope?.userAgent, requestID: scope?.requestID)
    }

    private func setPageHeaders() {
        RequestScope.current?.state.setHeader("Cache-Control", "no-store")
        RequestScope.current?.state.setHeader("Referrer-Policy", "no-referrer")
        RequestScope.current?.state.setHeader("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'")
        RequestScope.current?.state.setHeader("X-Frame-Options", "DENY")
    }
}

extension UUID {
    /// The lowercase text form the API uses.
    var lowercased: String { uuidString.lowercased() }
}
