import Foundation
import GatehouseAPI
import GatehouseAuth
import GatehouseCore
import GatehouseStore
import GatehouseTestSupport
import Postgres

/// API keys for tests, inserted straight through the tenant door (HMAC with `TestApp.keyPepper`),
/// so tests can authenticate with `X-API-Key` without users or JWTs.
enum TestKeys {
    /// The shared test database as the server's role.
    static func database() async throws -> Database {
        Database(pool: try await TestDatabase.appPool(maxConnections: 2))
    }

    /// A new tenant (with its settings row left to the defaults).
    static func tenant(name: String = "Key tenant") async throws -> UUID {
        let database = try await database()
        defer { Task { await database.pool.shutdown() } }
        return try await TestTenant.create(in: database, name: name)
    }

    /// Inserts a `gk_live_` key for `tenantID` and returns its id and raw secret.
    static func create(
        tenantID: UUID,
        scopes: [Scope],
        rateLimitRPM: Int = 60,
        spendLimit: Decimal? = nil,
        spendPeriod: String = "month",
        rateLimitMessages: Int? = nil,
        rateLimitSessions: Int? = nil,
        isTrial: Bool = false,
        trialExpiresAt: Date? = nil,
        allowedNumbers: [String] = [],
        expiresAt: Date? = nil,
        managed: Bool = false,
        maxSessions: Int? = nil,
        name: String = "test key"
    ) async throws -> (id: UUID, raw: String) {
        let raw = KeyFormat().generate(.live)
        let hash = KeyHasher(pepper: TestApp.keyPepper).hash(raw)
        let database = try await database()
        defer { Task { await database.pool.shutdown() } }
        let id: UUID = try await database.withTenant(tenantID) { session in
            try await session.query("""
                INSERT INTO api_keys (tenant_id, name, key_hash, key_prefix, scopes, rate_limit_rpm, spend_limit,
                                      spend_period, rate_limit_messages, rate_limit_sessions, is_trial,
                                      trial_expires_at, allowed_numbers, expires_at, managed, max_sessions)
                VALUES (\(tenantID), \(name), \(hash), \(KeyFormat.displayPrefix(of: raw)), \(scopes.map(\.rawValue)),
                        \(rateLimitRPM), \(spendLimit), \(spendPeriod), \(rateLimitMessages), \(rateLimitSessions),
                        \(isTrial), \(trialExpiresAt), \(allowedNumbers), \(expiresAt), \(managed), \(maxSessions))
                RETURNING id
                """).first!.decode("id")
        }
        return (id, raw)
    }
}
