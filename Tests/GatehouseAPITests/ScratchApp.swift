import Foundation
import GatehouseAPI
import GatehouseStore
import GatehouseTestSupport
import HummingbirdTesting
import Postgres

/// The real application on a fresh, migrated scratch database of its own, for tests that
/// assert platform-wide numbers (`GET /admin/usage`) which parallel suites on the shared
/// database would otherwise disturb.
enum ScratchApp {
    struct Context: Sendable {
        /// The server role's URL for the scratch database.
        let appURL: String
        let database: Database
        let masterKey: String
    }

    static func run<Value: Sendable>(
        _ body: @Sendable (any TestClientProtocol, Context) async throws -> Value
    ) async throws -> Value {
        try await TestDatabase.migrate()   // roles exist before the scratch database is migrated
        let scratch = try await TestDatabase.createScratchDatabase()
        let owner = PostgresPool(configuration: try PostgresConfiguration(url: scratch.ownerURL, maxConnections: 1),
                                 logger: TestDatabase.logger)
        do {
            _ = try await Migrator(directory: TestDatabase.migrationsDirectory, logger: TestDatabase.logger).migrate(pool: owner)
            await owner.shutdown()
        } catch {
            await owner.shutdown()
            throw error
        }
        let appURL = try TestDatabase.replacingDatabase(in: try TestDatabase.appURL, with: scratch.name)
        let masterKey = try await TestMasterKey.create(databaseURL: scratch.ownerURL)
        var configuration = try await TestApp.configuration()
        configuration.databaseURL = appURL
        let pool = PostgresPool(configuration: try PostgresConfiguration(url: appURL, maxConnections: 2), logger: TestDatabase.logger)
        let context = Context(appURL: appURL, database: Database(pool: pool), masterKey: masterKey)
        do {
            let value = try await TestApp.run(configuration) { client in try await body(client, context) }
            await pool.shutdown()
            return value
        } catch {
            await pool.shutdown()
            throw error
        }
    }
}
