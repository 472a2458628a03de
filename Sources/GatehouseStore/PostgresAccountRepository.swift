import Foundation
import GatehouseCore
import Postgres

/// `AccountRepository` over Postgres. Work that starts from an email or a token hash asks a
/// `platform_*` function for the tenant, then continues inside that tenant's scope.
public struct PostgresAccountRepository: AccountRepository {
    let database: Database

    public init(database: Database) {
        self.database = database
    }

    public func signUp(tenantID: UUID, tenantName: String, email: String, fullName: String, passwordHash: String,
                       session: NewSession, verification: (tokenHash: Data, mail: OutgoingMail)) async throws -> (UserRecord, sessionID: UUID) {
        do {
            return try await database.withTenant(tenantID) { db in
                try await db.execute("INSERT INTO tenants (id, name) VALUES (\(tenantID), \(tenantName))")
                try await db.execute("INSERT INTO subscriptions (tenant_id, plan_id, status) VALUES (\(tenantID), 'free', 'active')")
                try await db.execute("INSERT INTO tenant_settings (tenant_id) VALUES (\(tenantID))")
                let userRow = try await db.query("""
                    INSERT INTO users AS u (tenant_id, email, full_name, role, password_hash)
                    VALUES (\(tenantID), \(email), \(fullName), 'owner', \(passwordHash))
                    RETURNING \(unescaped: UserRecord.columns)
                    """)
                let user = try UserRecord(row: userRow.first!)
                let sessionID = try await Self.insertSession(db, tenantID: tenantID, userID: user.id, session: session)
                try await Self.insertOneTimeToken(db, tenantID: tenantID, userID: user.id, purpose: .verifyEmail,
                                                  tokenHash: verification.tokenHash, mail: verification.mail)
                return (user, sessionID)
            }
        } catch let error as PostgresError where error.isUniqueViolation && error.constraint == "users_email_lower_key" {
            throw AccountError.emailTaken
        }
    }

    public func findLogin(email: String) async throws -> (userID: UUID, tenantID: UUID, passwordHash: String?)? {
        try await database.withPlatform { db in
            guard let row = try await db.query("SELECT user_id, tenant_id, password_hash FROM platform_find_login(\(email))").first else {
                return nil
            }
            return (try row.decode("user_id"), try row.decode("tenant_id"), try row.decode("password_hash", as: String?.self))
        }
    }

    public func user(id: UUID, tenantID: UUID) async throws -> UserRecord? {
        try await database.withTenant(tenantID) { db in
            try await Self.user(db, id: id)
        }
    }

    public func openSession(userID: UUID, tenantID: UUID, session: NewSession) async throws -> UUID {
        try await database.withTenant(tenantID) { db in
            try await Self.insertSession(db, tenantID: tenantID, userID: userID, session: session)
        }
    }

    public func updatePasswordHash(userID: UUID, tenantID: UUID, hash: String) async throws {
        try await database.withTenant(tenantID) { db in
            try await db.execute("UPDATE users SET password_hash = \(hash) WHERE id = \(userID)")
        }
    }

    public func setInitialPassword(userID: UUID, tenantID: UUID, hash: String) async throws -> Bool {
        try await database.withTenant(tenantID) { db in
            try await db.execute("UPDATE users SET password_hash = \(hash) WHERE id = \(userID) AND password_hash IS NULL") == 1
        }
    }

    public func updateFullName(userID: UUID, tenantID: UUID, fullName: String) async throws -> UserRecord? {
        try await database.withTenant(tenantID) { db in
            try await db.execute("UPDATE users SET full_name = \(fullName) WHERE id = \(userID)")
            return try await Self.user(db, id: userID)
        }
    }

    public func refresh(tokenHash: Data, successorHash: Data, successorExpiresAt: Date, grace: TimeInterval) async throws -> RefreshOutcome {
        let found: (tokenID: UUID, tenantID: UUID)? = try await database.withPlatform { db in
            guard let row = try await db.query("SELECT token_id, tenant_id FROM platform_find_refresh_token(\(tokenHash))").first else {
                return nil
            }
            return (try row.decode("token_id"), try row.decode("tenant_id"))
        }
        guard let found else { return .invalid }
        return try await database.withTenant(found.tenantID) { db in
            // Lock the session first, then the token: concurrent refreshes of one family queue here.
            guard let token = try await db.query("""
                SELECT r.session_id, r.expires_at, r.used_at, r.replaced_by_id,
                       s.user_id, s.revoked_at IS NOT NULL AS revoked,
                       r.used_at IS NOT NULL AS used,
                       r.used_at >= now() - make_interval(secs => \(Int(grace.rounded(.up)))) AS within_grace,
                       r.expires_at <= now() AS is_expired
                  FROM refresh_tokens r JOIN auth_sessions s ON s.tenant_id = r.tenant_id AND s.id = r.session_id
                 WHERE r.id = \(found.tokenID)
                 FOR UPDATE OF s, r
                """).first else { return .invalid }
            let sessionID: UUID = try token.decode("session_id")
            let userID: UUID = try token.decode("user_id")
            guard try !token.decode("revoked", as: Bool.self) else { return .invalid }
            guard let user = try await Self.user(db, id: userID) else { return .invalid }

            if try token.decode("used", as: Bool.self) {
                let replacedBy = try token.decode("replaced_by_id", as: UUID?.self)
                if try token.decode("within_grace", as: Bool?.self) == true, let replacedBy {
                    // A concurrent refresh inside the grace: answer with the same successor.
                    let same = try await db.query("SELECT 1 FROM refresh_tokens WHERE id = \(replacedBy) AND token_hash = \(successorHash)")
                    if !same.isEmpty { return .rotated(user: user, sessionID: sessionID) }
                }
                try await db.execute("""
                    UPDATE auth_sessions SET revoked_at = now(), revoked_reason = 'refresh_token_reused'
                     WHERE id = \(sessionID) AND revoked_at IS NULL
                    """)
                return .reused
            }
            guard try !token.decode("is_expired", as: Bool.self) else { return .expired }
            let successor = try await db.query("""
                INSERT INTO refresh_tokens (tenant_id, session_id, token_hash, parent_id, expires_at)
                VALUES (\(found.tenantID), \(sessionID), \(successorHash), \(found.tokenID), \(successorExpiresAt))
                RETURNING id
                """)
            let successorID: UUID = try successor.first!.decode("id")
            try await db.execute("UPDATE refresh_tokens SET used_at = now(), replaced_by_id = \(successorID) WHERE id = \(found.tokenID)")
            try await db.execute("UPDATE auth_sessions SET last_refreshed_at = now() WHERE id = \(sessionID)")
            return .rotated(user: user, sessionID: sessionID)
        }
    }

    public func liveSessionRole(sessionID: UUID, userID: UUID, tenantID: UUID) async throws -> Role? {
        try await database.withTenant(tenantID) { db in
            guard let row = try await db.query("""
                SELECT u.role FROM auth_sessions s JOIN users u ON u.tenant_id = s.tenant_id AND u.id = s.user_id
                 WHERE s.id = \(sessionID) AND s.user_id = \(userID) AND s.revoked_at IS NULL
                """).first else { return nil }
            return Role(rawValue: try row.decode("role", as: String.self))
        }
    }

    @discardableResult
    public func revokeSession(sessionID: UUID, tenantID: UUID, reason: String) async throws -> Bool {
        try await database.withTenant(tenantID) { db in
            try await db.execute("""
                UPDATE auth_sessions SET revoked_at = now(), revoked_reason = \(reason)
                 WHERE id = \(sessionID) AND revoked_at IS NULL
                """) == 1
        }
    }

    public func consoleSessionUser(sessionID: UUID, tenantID: UUID, secretHash: Data, maxAge: TimeInterval) async throws -> UserRecord? {
        try await database.withTenant(tenantID) { db in
            try await db.query("""
                SELECT \(unescaped: UserRecord.columns)
                  FROM auth_sessions s JOIN users u ON u.tenant_id = s.tenant_id AND u.id = s.user_id
                 WHERE s.id = \(sessionID) AND s.console_secret_hash = \(secretHash) AND s.revoked_at IS NULL
                   AND s.created_at > now() - make_interval(secs => \(Int(maxAge)))
                """).first.map(UserRecord.init(row:))
        }
    }

    @discardableResult
    public func revokeOtherSessions(userID: UUID, tenantID: UUID, keep: UUID, reason: String) async throws -> Int {
        try await database.withTenant(tenantID) { db in
            try await db.execute("""
                UPDATE auth_sessions SET revoked_at = now(), revoked_reason = \(reason)
                 WHERE user_id = \(userID) AND id <> \(keep) AND revoked_at IS NULL
                """)
        }
    }

    @discardableResult
    public func revokeAllSessions(userID: UUID, tenantID: UUID, reason: String) async throws -> Int {
        try await database.withTenant(tenantID) { db in
            try await Self.revokeAllSessions(db, userID: userID, reason: reason)
        }
    }

    public func sessionOfRefreshToken(tokenHash: Data, tenantID: UUID) async throws -> UUID? {
        try await database.withTenant(tenantID) { db in
            try await db.query("SELECT session_id FROM refresh_tokens WHERE token_hash = \(tokenHash)").first?.decode("session_id")
        }
    }

    public func issueOneTimeToken(userID: UUID, tenantID: UUID, purpose: OneTimeTokenPurpose, tokenHash: Data, mail: OutgoingMail) async throws {
        try await database.withTenant(tenantID) { db in
            try await Self.insertOneTimeToken(db, tenantID: tenantID, userID: userID, purpose: purpose, tokenHash: tokenHash, mail: mail)
        }
    }

    public func consumeOneTimeToken<Value: Sendable>(
        tokenHash: Data, purpose: OneTimeTokenPurpose,
        _ action: @Sendable (PostgresSession, _ tenantID: UUID, _ userID: UUID) async throws -> Value
    ) async throws -> OneTimeTokenOutcome<Value> {
        let found: (tokenID: UUID, tenantID: UUID, userID: UUID)? = try await database.withPlatform { db in
            guard let row = try await db.query(
                "SELECT token_id, tenant_id, user_id FROM platform_find_one_time_token(\(tokenHash), \(purpose.rawValue))"
            ).first else { return nil }
            return (try row.decode("token_id"), try row.decode("tenant_id"), try row.decode("user_id"))
        }
        guard let found else { return .invalid }
        return try await database.withTenant(found.tenantID) { db in
            guard let row = try await db.query("""
                SELECT used_at IS NOT NULL AS used, expires_at <= now() AS expired
                  FROM one_time_tokens WHERE id = \(found.tokenID) AND purpose = \(purpose.rawValue) FOR UPDATE
                """).first else { return .invalid }
            guard try !row.decode("used", as: Bool.self) else { return .invalid }
            guard try !row.decode("expired", as: Bool.self) else { return .expired }
            try await db.execute("UPDATE one_time_tokens SET used_at = now() WHERE id = \(found.tokenID)")
            return .consumed(try await action(db, found.tenantID, found.userID))
        }
    }

    // MARK: Statements shared with actions running inside a tenant transaction.

    /// The user `id` in the current tenant scope.
    public static func user(_ db: PostgresSession, id: UUID) async throws -> UserRecord? {
        try await db.query("SELECT \(unescaped: UserRecord.columns) FROM users u WHERE u.id = \(id)").first.map(UserRecord.init(row:))
    }

    /// Inserts a session and its first refresh token; returns the session id.
    public static func insertSession(_ db: PostgresSession, tenantID: UUID, userID: UUID, session: NewSession) async throws -> UUID {
        let row = try await db.query("""
            INSERT INTO auth_sessions (tenant_id, user_id, ip, user_agent, console_secret_hash)
            VALUES (\(tenantID), \(userID), \(session.ip), \(session.userAgent), \(session.consoleSecretHash))
            RETURNING id
            """)
        let sessionID: UUID = try row.first!.decode("id")
        try await db.execute("""
            INSERT INTO refresh_tokens (tenant_id, session_id, token_hash, expires_at)
            VALUES (\(tenantID), \(sessionID), \(session.refreshTokenHash), \(session.refreshTokenExpiresAt))
            """)
        return sessionID
    }

    /// Ends every live session of a user.
    public static func revokeAllSessions(_ db: PostgresSession, userID: UUID, reason: String) async throws -> Int {
        try await db.execute("""
            UPDATE auth_sessions SET revoked_at = now(), revoked_reason = \(reason)
             WHERE user_id = \(userID) AND revoked_at IS NULL
            """)
    }

    /// Inserts a one-time token (older unused tokens of the same purpose stop working) and its mail.
    static func insertOneTimeToken(_ db: PostgresSession, tenantID: UUID, userID: UUID, purpose: OneTimeTokenPurpose,
                                   tokenHash: Data, mail: OutgoingMail) async throws {
        try await db.execute("""
            UPDATE one_time_tokens SET used_at = now()
             WHERE user_id = \(userID) AND purpose = \(purpose.rawValue) AND used_at IS NULL
            """)
        try await db.execute("""
            INSERT INTO one_time_tokens (tenant_id, user_id, purpose, token_hash, expires_at)
            VALUES (\(tenantID), \(userID), \(purpose.rawValue), \(tokenHash), now() + make_interval(secs => \(Int(purpose.lifetime))))
            """)
        try await PostgresMailOutboxRepository.enqueue(db, tenantID: tenantID, mail: mail)
    }
}
