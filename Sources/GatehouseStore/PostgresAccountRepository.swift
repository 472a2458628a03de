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

    public func isEmailVerified(userID: UUID, tenantID: UUID) async throws -> Bool? {
        try await database.withTenant(tenantID) { db in
            try await db.query("SELECT email_verified_at IS NOT NULL AS verified FROM users WHERE id = \(userID)")
                .first?.decode("verified", as: Bool.self)
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

    public func setInitialPassword(userID: UUID, tenantID: UUID, hash: String, audit: AuditEvent?) async throws -> Bool {
        try await database.withTenant(tenantID) { db in
            guard try await db.execute("UPDATE users SET password_hash = \(hash) WHERE id = \(userID) AND password_hash IS NULL") == 1
            else { return false }
            if let audit { try await AuditLog.append(audit, tenantID: tenantID, in: db) }
            return true
        }
    }

    public func updateFullName(userID: UUID, tenantID: UUID, fullName: String, audit: AuditEvent?) async throws -> UserRecord? {
        try await database.withTenant(tenantID) { db in
            guard try await db.execute("UPDATE users SET full_name = \(fullName) WHERE id = \(userID)") == 1 else { return nil }
            if let audit { try await AuditLog.append(audit, tenantID: tenantID, in: db) }
            return try await Self.user(db, id: userID)
        }
    }

    public func refresh(tokenHash: Data, successorHash: Data, successorExpiresAt: Date, grace: TimeInterval,
                        reuseAudit: AuditEvent) async throws -> RefreshOutcome {
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
                    // A concurrent refresh inside the grace: answer with the same successor, but
                    // only while nobody has used it. Once the successor itself was refreshed, the
                    // family has moved on and a second holder of this token is a thief: reuse.
                    let same = try await db.query("""
                        SELECT 1 FROM refresh_tokens
                         WHERE id = \(replacedBy) AND token_hash = \(successorHash) AND used_at IS NULL
                        """)
                    if !same.isEmpty { return .rotated(user: user, sessionID: sessionID) }
                }
                if try await db.execute("""
                    UPDATE auth_sessions SET revoked_at = now(), revoked_reason = 'refresh_token_reused'
                     WHERE id = \(sessionID) AND revoked_at IS NULL
                    """) == 1 {
                    try await AuditLog.append(reuseAudit.on("auth_session", sessionID), tenantID: found.tenantID, in: db)
                }
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
    public func revokeSession(sessionID: UUID, tenantID: UUID, reason: String, audit: AuditEvent?) async throws -> Bool {
        try await database.withTenant(tenantID) { db in
            guard try await db.execute("""
                UPDATE auth_sessions SET revoked_at = now(), revoked_reason = \(reason)
                 WHERE id = \(sessionID) AND revoked_at IS NULL
                """) == 1 else { return false }
            if let audit { try await AuditLog.append(audit, tenantID: tenantID, in: db) }
            return true
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
    public func revokeOtherSessions(userID: UUID, tenantID: UUID, keep: UUID, reason: String, audit: AuditEvent?) async throws -> Int {
        try await database.withTenant(tenantID) { db in
            let ended = try await db.execute("""
                UPDATE auth_sessions SET revoked_at = now(), revoked_reason = \(reason)
                 WHERE user_id = \(userID) AND id <> \(keep) AND revoked_at IS NULL
                """)
            try await Self.appendSessionsRevoked(audit, ended, tenantID: tenantID, in: db)
            return ended
        }
    }

    @discardableResult
    public func revokeAllSessions(userID: UUID, tenantID: UUID, reason: String, audit: AuditEvent?) async throws -> Int {
        try await database.withTenant(tenantID) { db in
            let ended = try await Self.revokeAllSessions(db, userID: userID, reason: reason)
            try await Self.appendSessionsRevoked(audit, ended, tenantID: tenantID, in: db)
            return ended
        }
    }

    /// Appends `audit` (when given) with how many sessions it ended.
    private static func appendSessionsRevoked(_ audit: AuditEvent?, _ ended: Int, tenantID: UUID, in db: PostgresSession) async throws {
        guard var audit else { return }
        audit.changes["sessions_revoked"] = .int(ended)
        try await AuditLog.append(audit, tenantID: tenantID, in: db)
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

    public func checkOneTimeToken(tokenHash: Data, purpose: OneTimeTokenPurpose) async throws -> OneTimeTokenOutcome<Void> {
        guard let found = try await findOneTimeToken(tokenHash: tokenHash, purpose: purpose) else { return .invalid }
        return try await database.withTenant(found.tenantID) { db in
            try await Self.usableOneTimeToken(db, id: found.tokenID, purpose: purpose, lock: false)
        }
    }

    public func consumeOneTimeToken<Value: Sendable>(
        tokenHash: Data, purpose: OneTimeTokenPurpose,
        _ action: @Sendable (PostgresSession, _ tenantID: UUID, _ userID: UUID) async throws -> Value
    ) async throws -> OneTimeTokenOutcome<Value> {
        guard let found = try await findOneTimeToken(tokenHash: tokenHash, purpose: purpose) else { return .invalid }
        return try await database.withTenant(found.tenantID) { db in
            switch try await Self.usableOneTimeToken(db, id: found.tokenID, purpose: purpose, lock: true) {
            case .invalid: return .invalid
            case .expired: return .expired
            case .consumed: break
            }
            try await db.execute("UPDATE one_time_tokens SET used_at = now() WHERE id = \(found.tokenID)")
            return .consumed(try await action(db, found.tenantID, found.userID))
        }
    }

    /// The token's id, tenant and user, whatever its state.
    private func findOneTimeToken(tokenHash: Data, purpose: OneTimeTokenPurpose) async throws -> (tokenID: UUID, tenantID: UUID, userID: UUID)? {
        try await database.withPlatform { db in
            guard let row = try await db.query(
                "SELECT token_id, tenant_id, user_id FROM platform_find_one_time_token(\(tokenHash), \(purpose.rawValue))"
            ).first else { return nil }
            return (try row.decode("token_id"), try row.decode("tenant_id"), try row.decode("user_id"))
        }
    }

    /// `.consumed(())` when the token is unused and unexpired (locked with `lock`), else why not.
    private static func usableOneTimeToken(_ db: PostgresSession, id: UUID, purpose: OneTimeTokenPurpose, lock: Bool) async throws -> OneTimeTokenOutcome<Void> {
        guard let row = try await db.query("""
            SELECT used_at IS NOT NULL AS used, expires_at <= now() AS expired
              FROM one_time_tokens WHERE id = \(id) AND purpose = \(purpose.rawValue) \(unescaped: lock ? "FOR UPDATE" : "")
            """).first else { return .invalid }
        guard try !row.decode("used", as: Bool.self) else { return .invalid }
        guard try !row.decode("expired", as: Bool.self) else { return .expired }
        return .consumed(())
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

    /// Records that the user proved they own their email address (verify link, magic link or
    /// password reset). The first proof for an address that was never verified also undoes what
    /// whoever signed up with it may have set up: the password is cleared (unless
    /// `keepPassword`: the same signed-in user verified it), every session ends and every key
    /// the user made is revoked. Returns what that first proof undid; nil when the address was
    /// verified before.
    public static func proveEmailOwnership(_ db: PostgresSession, userID: UUID, keepPassword: Bool = false) async throws -> EmailOwnershipProof? {
        let rows = try await db.query("""
            UPDATE users AS u SET email_verified_at = now(),
                   password_hash = CASE WHEN \(keepPassword) THEN u.password_hash END
              FROM (SELECT id, password_hash IS NOT NULL AS had_password FROM users WHERE id = \(userID)) AS old
             WHERE u.id = old.id AND u.email_verified_at IS NULL
            RETURNING old.had_password
            """)
        guard let row = rows.first else { return nil }
        guard !keepPassword else { return EmailOwnershipProof(passwordCleared: false, sessionsEnded: 0, apiKeysRevoked: 0) }
        return EmailOwnershipProof(
            passwordCleared: try row.decode("had_password", as: Bool.self),
            sessionsEnded: try await revokeAllSessions(db, userID: userID, reason: "email_ownership_proven"),
            apiKeysRevoked: try await revokeAPIKeys(db, createdBy: userID))
    }

    /// Revokes every self-service key the user made (directly, or through a key of theirs);
    /// returns how many. Operator-managed keys are the operator's and stay.
    public static func revokeAPIKeys(_ db: PostgresSession, createdBy userID: UUID) async throws -> Int {
        try await db.execute("""
            UPDATE api_keys SET revoked_at = now(), is_active = false,
                   previous_key_hash = NULL, previous_key_expires_at = NULL
             WHERE created_by_user_id = \(userID) AND NOT managed AND revoked_at IS NULL
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
