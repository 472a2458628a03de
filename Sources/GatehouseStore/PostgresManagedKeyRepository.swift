import Foundation
import GatehouseCore
import Postgres

/// `ManagedKeyRepository` over Postgres: `platform_find_api_key_tenant` and
/// `platform_admin_list_keys` answer the cross-tenant questions; everything else runs in
/// `withTenant` of the key's tenant, so row-level security still holds for every write.
public struct PostgresManagedKeyRepository: ManagedKeyRepository {
    let database: Database

    /// The limits a paid key gets when an operator does not say otherwise.
    public enum PaidDefaults {
        public static let rateLimitGeneral = 60
        public static let rateLimitMessages = 30
        public static let rateLimitSessions = 10
        public static let maxSessions = 5
    }

    public init(database: Database) {
        self.database = database
    }

    static let columns = """
        k.id, k.tenant_id, k.name, k.key_prefix, k.type, k.is_admin, k.is_active, k.is_trial,
        k.trial_expires_at, k.allowed_numbers, k.rate_limit_rpm, k.rate_limit_messages,
        k.rate_limit_sessions, k.max_sessions, k.metadata, k.messages_sent, k.sessions_created,
        k.created_at, k.last_used_at, k.revoked_at
        """

    static func decodeKey(_ row: PostgresRow) throws -> ManagedKey {
        ManagedKey(
            id: try row.decode("id"),
            tenantID: try row.decode("tenant_id"),
            name: try row.decode("name"),
            keyPrefix: try row.decode("key_prefix"),
            type: try row.decode("type"),
            isAdmin: try row.decode("is_admin"),
            isActive: try row.decode("is_active"),
            isTrial: try row.decode("is_trial"),
            trialExpiresAt: try row.decode("trial_expires_at"),
            allowedNumbers: try row.decode("allowed_numbers"),
            rateLimitGeneral: try row.decode("rate_limit_rpm"),
            rateLimitMessages: try row.decode("rate_limit_messages"),
            rateLimitSessions: try row.decode("rate_limit_sessions"),
            maxSessions: try row.decode("max_sessions"),
            metadataJSON: try row.decode("metadata", as: PostgresJSON.self).text,
            messagesSent: try row.decode("messages_sent"),
            sessionsCreated: try row.decode("sessions_created"),
            createdAt: try row.decode("created_at"),
            lastUsedAt: try row.decode("last_used_at"),
            revokedAt: try row.decode("revoked_at")
        )
    }

    /// The tenant a key lives in, or nil for an unknown key.
    private func tenant(ofKey id: UUID) async throws -> UUID? {
        try await database.withPlatform { session in
            try await session.query("SELECT platform_find_api_key_tenant(\(id)) AS tenant_id").first?
                .decode("tenant_id", as: UUID?.self)
        }
    }

    /// Runs `body` in the key's tenant scope; nil when the key does not exist.
    private func inTenant<T>(ofKey id: UUID, _ body: (PostgresSession) async throws -> T?) async throws -> T? {
        guard let tenantID = try await tenant(ofKey: id) else { return nil }
        return try await database.withTenant(tenantID, body)
    }

    public func create(_ draft: ManagedKeyDraft, audit: AuditEvent) async throws -> ManagedKey {
        let tenantID = draft.tenantID ?? UUID()
        return try await database.withTenant(tenantID) { session in
            if draft.tenantID == nil {
                // A new customer: the tenant with its subscription (plan free) and settings.
                try await session.execute("INSERT INTO tenants (id, name) VALUES (\(tenantID), \(draft.newTenantName))")
                try await session.execute("INSERT INTO subscriptions (tenant_id, plan_id) VALUES (\(tenantID), 'free')")
                try await session.execute("INSERT INTO tenant_settings (tenant_id) VALUES (\(tenantID))")
            } else if try await session.query("SELECT 1 FROM tenants WHERE id = \(tenantID)").isEmpty {
                throw GatehouseError.validation("tenant_id", "no tenant has this id")
            }
            let trialDays = draft.trialDays
            let row = try await session.query("""
                INSERT INTO api_keys AS k (
                    tenant_id, name, key_hash, key_prefix, type, scopes, is_admin, is_trial,
                    trial_expires_at, allowed_numbers, managed, metadata, max_sessions,
                    rate_limit_rpm, rate_limit_messages, rate_limit_sessions)
                VALUES (
                    \(tenantID), \(draft.name), \(draft.keyHash), \(draft.keyPrefix), \(draft.type),
                    \(draft.scopes), \(draft.isAdmin), \(trialDays != nil),
                    CASE WHEN \(trialDays)::integer IS NULL THEN NULL
                         ELSE now() + make_interval(days => \(trialDays)::integer) END,
                    \(draft.allowedNumbers), true, \(PostgresJSON(text: draft.metadataJSON)), \(draft.maxSessions)::integer,
                    \(draft.rateLimitGeneral)::integer, \(draft.rateLimitMessages)::integer,
                    \(draft.rateLimitSessions)::integer)
                RETURNING \(unescaped: Self.columns)
                """).first!
            let key = try Self.decodeKey(row)
            try await AuditLog.append(audit.on("api_key", key.id), tenantID: tenantID, in: session)
            return key
        }
    }

    public func list(includeInactive: Bool, type: String?, limit: Int, after: KeysetPosition?) async throws
        -> (items: [ManagedKeyListing], hasMore: Bool) {
        let rows = try await database.withPlatform { session in
            try await Self.mappingBadCursor {
                try await session.query("""
                    SELECT k.*, k.created_at::text AS position_created_at
                      FROM platform_admin_list_keys(
                               \(includeInactive), \(type), \(limit + 1)::integer,
                               \(after?.createdAt)::timestamptz, \(after?.id)) k
                    """)
            }
        }
        var items: [ManagedKeyListing] = []
        for row in rows.rows.prefix(limit) {
            let key = try Self.decodeKey(row)
            items.append(ManagedKeyListing(
                key: key,
                sessions: ManagedKeySessionStats(
                    totalSessions: try row.decode("sessions_total"),
                    activeSessions: try row.decode("sessions_active"),
                    messagesSent: try row.decode("session_messages_sent"),
                    messagesReceived: try row.decode("session_messages_received")),
                position: KeysetPosition(createdAt: try row.decode("position_created_at"), id: key.id)))
        }
        return (items, rows.count > limit)
    }

    /// A cursor whose time Postgres cannot read is the client's mistake, not a 500.
    static func mappingBadCursor<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as PostgresError where error.sqlState?.hasPrefix("22") == true {
            throw GatehouseError.invalidRequest("The cursor is not valid.", field: "cursor")
        }
    }

    public func key(id: UUID) async throws -> ManagedKey? {
        try await inTenant(ofKey: id) { session in
            try await session.query("SELECT \(unescaped: Self.columns) FROM api_keys k WHERE k.id = \(id)").first
                .map(Self.decodeKey)
        }
    }

    public func update(id: UUID, _ changes: ManagedKeyChanges, audit: AuditEvent) async throws -> ManagedKey? {
        try await inTenant(ofKey: id) { session in
            try await Self.audited(audit, id: id, in: session, try await session.query("""
                UPDATE api_keys k SET
                    name = COALESCE(\(changes.name), k.name),
                    rate_limit_rpm = COALESCE(\(changes.rateLimitGeneral)::integer, k.rate_limit_rpm),
                    rate_limit_messages = CASE WHEN \(changes.rateLimitMessages)::integer IS NULL THEN k.rate_limit_messages
                                               ELSE NULLIF(\(changes.rateLimitMessages)::integer, 0) END,
                    rate_limit_sessions = CASE WHEN \(changes.rateLimitSessions)::integer IS NULL THEN k.rate_limit_sessions
                                               ELSE NULLIF(\(changes.rateLimitSessions)::integer, 0) END,
                    max_sessions = COALESCE(\(changes.maxSessions)::integer, k.max_sessions),
                    metadata = COALESCE(\(changes.metadataJSON.map { PostgresJSON(text: $0) }), k.metadata)
                 WHERE k.id = \(id)
                RETURNING \(unescaped: Self.columns)
                """).first.map(Self.decodeKey))
        }
    }

    public func setActive(id: UUID, _ active: Bool, audit: AuditEvent) async throws -> ManagedKey? {
        try await inTenant(ofKey: id) { session in
            try await Self.audited(audit, id: id, in: session, try await session.query("""
                UPDATE api_keys k SET is_active = \(active) WHERE k.id = \(id)
                RETURNING \(unescaped: Self.columns)
                """).first.map(Self.decodeKey))
        }
    }

    public func delete(id: UUID, audit: AuditEvent) async throws -> Bool {
        guard let tenantID = try await tenant(ofKey: id) else { return false }
        return try await database.withTenant(tenantID) { session in
            // "Its sessions lose access": they end with the key (and stop counting against
            // the tenant's plan), rather than lingering without an owner.
            try await session.execute("""
                UPDATE messaging_sessions SET state = 'deleted', deleted_at = now()
                 WHERE api_key_id = \(id) AND state <> 'deleted'
                """)
            guard try await session.execute("DELETE FROM api_keys WHERE id = \(id)") > 0 else { return false }
            try await AuditLog.append(audit.on("api_key", id), tenantID: tenantID, in: session)
            return true
        }
    }

    public func extendTrial(id: UUID, days: Int, audit: AuditEvent) async throws -> ManagedKey? {
        try await inTenant(ofKey: id) { session in
            guard let row = try await session.query("""
                UPDATE api_keys k
                   SET trial_expires_at = GREATEST(k.trial_expires_at, now()) + make_interval(days => \(days)::integer)
                 WHERE k.id = \(id) AND k.is_trial
                RETURNING \(unescaped: Self.columns)
                """).first else {
                if try await session.query("SELECT 1 FROM api_keys WHERE id = \(id)").isEmpty { return nil }
                throw GatehouseError(.conflict, "The key is not a trial key.")
            }
            return try await Self.audited(audit, id: id, in: session, try Self.decodeKey(row))
        }
    }

    public func convertToPaid(id: UUID, _ conversion: ManagedKeyConversion, audit: AuditEvent) async throws -> ManagedKey? {
        try await inTenant(ofKey: id) { session in
            guard let row = try await session.query("""
                UPDATE api_keys k SET
                    is_trial = false,
                    trial_expires_at = NULL,
                    allowed_numbers = '{}',
                    type = \(conversion.type),
                    rate_limit_rpm = COALESCE(\(conversion.rateLimitGeneral)::integer, \(PaidDefaults.rateLimitGeneral)::integer),
                    rate_limit_messages = NULLIF(COALESCE(\(conversion.rateLimitMessages)::integer,
                                                          \(PaidDefaults.rateLimitMessages)::integer), 0),
                    rate_limit_sessions = \(PaidDefaults.rateLimitSessions)::integer,
                    max_sessions = COALESCE(\(conversion.maxSessions)::integer, \(PaidDefaults.maxSessions)::integer)
                 WHERE k.id = \(id) AND k.is_trial
                RETURNING \(unescaped: Self.columns)
                """).first else {
                if try await session.query("SELECT 1 FROM api_keys WHERE id = \(id)").isEmpty { return nil }
                throw GatehouseError(.conflict, "The key is not a trial key.")
            }
            return try await Self.audited(audit, id: id, in: session, try Self.decodeKey(row))
        }
    }

    /// Appends `audit` about key `id` to the key's tenant when `key` is there (the change happened).
    private static func audited(_ audit: AuditEvent, id: UUID, in session: PostgresSession, _ key: ManagedKey?) async throws
        -> ManagedKey? {
        guard let key else { return nil }
        try await AuditLog.append(audit.on("api_key", id), tenantID: key.tenantID, in: session)
        return key
    }

    public func sessionUsage(id: UUID) async throws
        -> (key: ManagedKey, stats: ManagedKeySessionStats, sessions: [MessagingSession])? {
        try await inTenant(ofKey: id) { session in
            guard let keyRow = try await session.query(
                "SELECT \(unescaped: Self.columns) FROM api_keys k WHERE k.id = \(id)").first else { return nil }
            let sessions = try await session.query("""
                SELECT \(unescaped: PostgresMessagingRepository.columns) FROM messaging_sessions s
                 WHERE s.api_key_id = \(id)
                 ORDER BY s.created_at DESC, s.id DESC
                """).map(PostgresMessagingRepository.decodeSession)
            let stats = ManagedKeySessionStats(
                totalSessions: sessions.count,
                activeSessions: sessions.filter { $0.state != "deleted" }.count,
                messagesSent: sessions.reduce(0) { $0 + $1.messagesSent },
                messagesReceived: sessions.reduce(0) { $0 + $1.messagesReceived })
            return (try Self.decodeKey(keyRow), stats, sessions)
        }
    }

    public func totals() async throws -> ManagedKeyTotals {
        try await database.withPlatform { session in
            let row = try await session.query("""
                SELECT t.total_keys, t.active_keys, t.trial_keys, t.admin_keys, t.total_sessions,
                       t.total_messages_sent, c.standard, c.premium
                  FROM platform_admin_usage_totals() t, platform_admin_key_type_counts() c
                """).first!
            return ManagedKeyTotals(
                totalKeys: try row.decode("total_keys"),
                activeKeys: try row.decode("active_keys"),
                trialKeys: try row.decode("trial_keys"),
                adminKeys: try row.decode("admin_keys"),
                totalSessions: try row.decode("total_sessions"),
                totalMessagesSent: try row.decode("total_messages_sent"),
                standardKeys: try row.decode("standard"),
                premiumKeys: try row.decode("premium"))
        }
    }
}
