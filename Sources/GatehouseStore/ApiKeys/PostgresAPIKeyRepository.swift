import Foundation
import GatehouseCore
import Postgres

/// `api_keys` through the tenant door. Every statement binds the caller's clock as `c.now`
/// (a one-row CTE), so the lazily computed fields (active, spend period) follow the injected clock.
public struct PostgresAPIKeyRepository: APIKeyRepository {
    let database: Database

    public init(database: Database) {
        self.database = database
    }

    /// The public shape of a key, as of `c.now`. A fixed fragment (no user input).
    private static let columns = """
        k.id, k.name, k.key_prefix, CASE WHEN k.is_trial THEN 'trial' ELSE k.type END AS type, k.scopes,
        (k.is_active AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > c.now)
            AND (NOT k.is_trial OR k.trial_expires_at > c.now)) AS is_active,
        k.expires_at, k.created_at, k.last_used_at, k.rate_limit_rpm, k.spend_limit, k.spend_period,
        api_key_period_used(k.spend_period, k.spend_period_start, k.spend_period_used, c.now) AS spend_period_used,
        COALESCE(api_key_period_current_start(k.spend_period, k.spend_period_start, c.now), k.created_at) AS spend_period_start,
        k.revoked_at, k.created_by_user_id, k.created_at::text || '|' || k.id::text AS cursor
        """

    private static func decode(_ row: PostgresRow) throws -> APIKeyRecord {
        APIKeyRecord(
            id: try row.decode("id"), name: try row.decode("name"), keyPrefix: try row.decode("key_prefix"),
            type: try row.decode("type"), scopes: try row.decode("scopes"), isActive: try row.decode("is_active"),
            expiresAt: try row.decode("expires_at"), createdAt: try row.decode("created_at"),
            lastUsedAt: try row.decode("last_used_at"), rateLimitRPM: try row.decode("rate_limit_rpm"),
            spendLimit: try row.decode("spend_limit"), spendPeriod: try row.decode("spend_period"),
            spendPeriodUsed: try row.decode("spend_period_used"), spendPeriodStart: try row.decode("spend_period_start"),
            revokedAt: try row.decode("revoked_at"), createdByUserID: try row.decode("created_by_user_id"),
            cursor: try row.decode("cursor"))
    }

    public func create(tenantID: UUID, _ key: NewAPIKey, now: Date, audit: AuditEvent) async throws -> APIKeyRecord {
        try await database.withTenant(tenantID) { session in
            let rows = try await session.query("""
                WITH c AS (SELECT \(now)::timestamptz AS now)
                INSERT INTO api_keys AS k (tenant_id, name, key_hash, key_prefix, scopes, expires_at, rate_limit_rpm,
                                           spend_limit, spend_period, spend_period_start, spend_period_used,
                                           created_by_user_id, created_at)
                SELECT \(tenantID), \(key.name), \(key.hash), \(key.keyPrefix), \(key.scopes), \(key.expiresAt),
                       \(key.rateLimitRPM), \(key.spendLimit), \(key.spendPeriod),
                       api_key_period_current_start(\(key.spendPeriod), NULL, c.now), 0, \(key.createdByUserID), c.now
                  FROM c
                RETURNING \(unescaped: Self.columns.replacingOccurrences(of: "c.now", with: "k.created_at"))
                """)
            let record = try Self.decode(rows.first!)
            try await AuditLog.append(audit.on("api_key", record.id), tenantID: tenantID, in: session)
            return record
        }
    }

    public func list(tenantID: UUID, includeRevoked: Bool, limit: Int, after: String?, reachableBy policy: KeyGrantPolicy,
                     now: Date) async throws -> [APIKeyRecord] {
        var afterCreated: String?
        var afterID: UUID?
        if let after {
            let parts = after.split(separator: "|", maxSplits: 1).map(String.init)
            if parts.count == 2, let id = UUID(uuidString: parts[1]) {
                afterCreated = parts[0]
                afterID = id
            }
        }
        return try await database.withTenant(tenantID) { session in
            try await session.query("""
                WITH c AS (SELECT \(now)::timestamptz AS now)
                SELECT \(unescaped: Self.columns)
                  FROM api_keys k, c
                 WHERE NOT k.managed
                   AND (\(policy.scopeCeiling)::text[] IS NULL OR k.scopes <@ \(policy.scopeCeiling)::text[])
                   AND (\(includeRevoked) OR k.revoked_at IS NULL)
                   AND (\(afterCreated)::timestamptz IS NULL
                        OR (k.created_at, k.id) < (\(afterCreated)::timestamptz, \(afterID)::uuid))
                 ORDER BY k.created_at DESC, k.id DESC
                 LIMIT \(limit)
                """).map(Self.decode)
        }
    }

    public func get(tenantID: UUID, id: UUID, reachableBy policy: KeyGrantPolicy, now: Date) async throws -> APIKeyRecord? {
        try await database.withTenant(tenantID) { session in
            try await session.query("""
                WITH c AS (SELECT \(now)::timestamptz AS now)
                SELECT \(unescaped: Self.columns) FROM api_keys k, c
                 WHERE k.id = \(id) AND NOT k.managed
                   AND (\(policy.scopeCeiling)::text[] IS NULL OR k.scopes <@ \(policy.scopeCeiling)::text[])
                """).first.map(Self.decode)
        }
    }

    public func update(tenantID: UUID, id: UUID, _ changes: APIKeyChanges, reachableBy policy: KeyGrantPolicy, now: Date,
                       audit: AuditEvent) async throws -> APIKeyRecord? {
        let setsLimit = changes.spendLimit != nil
        let newLimit: Decimal? = changes.spendLimit ?? nil
        return try await database.withTenant(tenantID) { session in
            guard let record = try await session.query("""
                WITH c AS (SELECT \(now)::timestamptz AS now)
                UPDATE api_keys k SET
                    name = COALESCE(\(changes.name), k.name),
                    scopes = COALESCE(\(changes.scopes), k.scopes),
                    rate_limit_rpm = COALESCE(\(changes.rateLimitRPM), k.rate_limit_rpm),
                    spend_limit = CASE WHEN \(setsLimit) THEN \(newLimit) ELSE k.spend_limit END,
                    spend_period = COALESCE(\(changes.spendPeriod), k.spend_period),
                    spend_period_start = CASE WHEN \(changes.spendPeriod)::text IS NOT NULL
                                                   AND \(changes.spendPeriod) <> k.spend_period
                                              THEN api_key_period_current_start(\(changes.spendPeriod), NULL, c.now)
                                              ELSE k.spend_period_start END,
                    spend_period_used = CASE WHEN \(changes.spendPeriod)::text IS NOT NULL
                                                  AND \(changes.spendPeriod) <> k.spend_period
                                             THEN 0 ELSE k.spend_period_used END
                  FROM c
                 WHERE k.id = \(id) AND NOT k.managed
                   AND (\(policy.scopeCeiling)::text[] IS NULL OR k.scopes <@ \(policy.scopeCeiling)::text[])
                RETURNING \(unescaped: Self.columns)
                """).first.map(Self.decode) else { return nil }
            try await AuditLog.append(audit.on("api_key", id), tenantID: tenantID, in: session)
            return record
        }
    }

    public func revoke(tenantID: UUID, id: UUID, reachableBy policy: KeyGrantPolicy, now: Date, audit: AuditEvent) async throws -> Bool {
        try await database.withTenant(tenantID) { session in
            guard let current = try await session.query("""
                SELECT revoked_at FROM api_keys
                 WHERE id = \(id) AND NOT managed
                   AND (\(policy.scopeCeiling)::text[] IS NULL OR scopes <@ \(policy.scopeCeiling)::text[])
                   FOR UPDATE
                """).first else { return false }
            // Revoking twice is fine and changes nothing: only the first revoke is an event.
            guard try current.decode("revoked_at", as: Date?.self) == nil else { return true }
            try await session.execute("""
                UPDATE api_keys
                   SET revoked_at = \(now), is_active = false, previous_key_hash = NULL, previous_key_expires_at = NULL
                 WHERE id = \(id)
                """)
            try await AuditLog.append(audit.on("api_key", id), tenantID: tenantID, in: session)
            return true
        }
    }

    public func rotate(tenantID: UUID, id: UUID, hash: Data, keyPrefix: String, graceSeconds: Int,
                       reachableBy policy: KeyGrantPolicy, now: Date, audit: AuditEvent) async throws -> APIKeyRotation {
        try await database.withTenant(tenantID) { session in
            guard let current = try await session.query("""
                SELECT revoked_at FROM api_keys
                 WHERE id = \(id) AND NOT managed
                   AND (\(policy.scopeCeiling)::text[] IS NULL OR scopes <@ \(policy.scopeCeiling)::text[])
                   FOR UPDATE
                """).first else { return .notFound }
            if try current.decode("revoked_at", as: Date?.self) != nil { return .revoked }
            let rows = try await session.query("""
                WITH c AS (SELECT \(now)::timestamptz AS now)
                UPDATE api_keys k SET
                    previous_key_hash = CASE WHEN \(graceSeconds) > 0 THEN k.key_hash END,
                    previous_key_expires_at = CASE WHEN \(graceSeconds) > 0
                                                   THEN c.now + make_interval(secs => \(graceSeconds)) END,
                    key_hash = \(hash),
                    key_prefix = \(keyPrefix)
                  FROM c
                 WHERE k.id = \(id)
                RETURNING \(unescaped: Self.columns)
                """)
            try await AuditLog.append(audit.on("api_key", id), tenantID: tenantID, in: session)
            return .rotated(try Self.decode(rows.first!))
        }
    }

    public func grantor(tenantID: UUID, keyID: UUID) async throws -> KeyGrantPolicy.Grantor? {
        try await database.withTenant(tenantID) { session in
            guard let row = try await session.query("""
                SELECT scopes, rate_limit_rpm, spend_limit, spend_period, managed FROM api_keys WHERE id = \(keyID)
                """).first else { return nil }
            let scopes: [String] = try row.decode("scopes")
            return .key(
                id: keyID, scopes: Set(scopes.compactMap(Scope.init(rawValue:))),
                limits: KeyLimits(rateLimitRPM: try row.decode("rate_limit_rpm"), spendLimit: try row.decode("spend_limit"),
                                  spendPeriod: try row.decode("spend_period")),
                managed: try row.decode("managed"))
        }
    }
}
