import Foundation
import GatehouseAuth
import GatehouseStore
import GatehouseTestSupport
import HTTPTypes
import Postgres

/// Operator master keys for tests, made the way `gatehouse admin create-master-key` makes them:
/// a fresh `gk_admin_…` key stored only as its HMAC through `platform_create_master_key`.
enum TestMasterKey {
    /// Creates a master key in the database `databaseURL` (the owner's URL of the shared test
    /// database when nil: only the owning role may create master keys) and returns the raw key.
    static func create(name: String = "test operator", databaseURL: String? = nil, expiresAt: Date? = nil) async throws -> String {
        let raw = KeyFormat(prefix: "gk").generate(.admin)
        let hash = KeyHasher(pepper: TestApp.keyPepper).hash(raw)
        let pool = PostgresPool(
            configuration: try PostgresConfiguration(url: try databaseURL ?? TestDatabase.ownerURL, maxConnections: 1),
            logger: TestDatabase.logger)
        try await TestDatabase.migrate()
        do {
            try await Database(pool: pool).withPlatform { session in
                try await session.query("SELECT platform_create_master_key(\(name), \(hash), \(KeyFormat.displayPrefix(of: raw)), \(expiresAt))")
            }
            await pool.shutdown()
        } catch {
            await pool.shutdown()
            throw error
        }
        return raw
    }

    /// The headers that present `key`, with a JSON content type.
    static func headers(_ key: String) -> HTTPFields {
        [HTTPField.Name("X-API-Key")!: key, .contentType: "application/json"]
    }
}
