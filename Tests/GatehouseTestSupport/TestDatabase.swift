import Foundation
import GatehouseStore
import Logging
import Postgres

/// The throwaway cluster that `scripts/test` starts, found through the environment:
/// `TEST_DATABASE_URL` (the server's role), `TEST_MIGRATION_DATABASE_URL` (the owner) and
/// `TEST_ADMIN_DATABASE_URL` (a superuser, for scratch databases).
public enum TestDatabase {
    public struct MissingEnvironment: Error, CustomStringConvertible {
        public let name: String
        public var description: String { "\(name) is not set: run the tests through scripts/test" }
    }

    public static func url(_ name: String) throws -> String {
        guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else {
            throw MissingEnvironment(name: name)
        }
        return value
    }

    public static var appURL: String { get throws { try url("TEST_DATABASE_URL") } }
    public static var ownerURL: String { get throws { try url("TEST_MIGRATION_DATABASE_URL") } }
    public static var adminURL: String { get throws { try url("TEST_ADMIN_DATABASE_URL") } }

    /// The repository root, independent of the working directory.
    public static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// The repository's `sql/migrations`.
    public static var migrationsDirectory: String {
        repositoryRoot.appendingPathComponent("sql/migrations").path
    }

    /// The repository's `openapi.yaml`.
    public static var openAPISpecPath: String {
        repositoryRoot.appendingPathComponent("openapi.yaml").path
    }

    public static let logger: Logger = {
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        return logger
    }()

    private static let migration = MigrationOnce()

    /// Migrates the shared test database once per process (the migrator is idempotent and
    /// serialized by an advisory lock, so parallel test processes are safe too).
    public static func migrate() async throws {
        try await migration.run()
    }

    /// A pool on the shared, migrated database as the server's role.
    public static func appPool(maxConnections: Int = 4) async throws -> PostgresPool {
        try await migrate()
        return PostgresPool(
            configuration: try PostgresConfiguration(url: try appURL, maxConnections: maxConnections),
            logger: logger
        )
    }

    /// A pool as the owning role (bypasses nothing: RLS is forced; used to set up fixtures).
    public static func ownerPool(maxConnections: Int = 2) async throws -> PostgresPool {
        try await migrate()
        return PostgresPool(
            configuration: try PostgresConfiguration(url: try ownerURL, maxConnections: maxConnections),
            logger: logger
        )
    }

    /// Creates an empty database owned by `gatehouse_owner` and returns its owner URL.
    public static func createScratchDatabase() async throws -> (name: String, ownerURL: String) {
        let name = "scratch_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
        let admin = PostgresPool(configuration: try PostgresConfiguration(url: try adminURL, maxConnections: 1), logger: logger)
        try await admin.withConnection { session in
            try await session.executeScript("CREATE DATABASE \(name) OWNER gatehouse_owner")
        }
        await admin.shutdown()
        return (String(name), try replacingDatabase(in: try ownerURL, with: String(name)))
    }

    /// Creates an empty database, migrates it like the shared one, and returns its name and the
    /// owner's and the server role's URLs for it: for tests whose work spans tenants (the mail
    /// worker, platform totals) and must not meet rows of suites running in parallel.
    public static func createMigratedScratchDatabase() async throws -> (name: String, ownerURL: String, appURL: String) {
        try await migrate()   // roles exist before the scratch database is migrated
        let scratch = try await createScratchDatabase()
        let owner = PostgresPool(configuration: try PostgresConfiguration(url: scratch.ownerURL, maxConnections: 1),
                                 logger: logger)
        do {
            _ = try await Migrator(directory: migrationsDirectory, logger: logger).migrate(pool: owner)
            await owner.shutdown()
        } catch {
            await owner.shutdown()
            throw error
        }
        return (scratch.name, scratch.ownerURL, try replacingDatabase(in: try appURL, with: scratch.name))
    }

    /// The same URL pointing at another database.
    public static func replacingDatabase(in url: String, with database: String) throws -> String {
        guard var components = URLComponents(string: url) else { throw MissingEnvironment(name: "a valid database URL") }
        components.path = "/" + database
        return components.string!
    }

    /// Runs SQL as the superuser (fixtures only, e.g. terminating connections).
    public static func asAdmin(_ sql: PostgresQuery) async throws -> PostgresRows {
        let admin = PostgresPool(configuration: try PostgresConfiguration(url: try adminURL, maxConnections: 1), logger: logger)
        defer { Task { await admin.shutdown() } }
        return try await admin.withConnection { try await $0.query(sql) }
    }
}

private actor MigrationOnce {
    private var done = false

    func run() async throws {
        guard !done else { return }
        let pool = PostgresPool(
            configuration: try PostgresConfiguration(url: try TestDatabase.ownerURL, maxConnections: 1),
            logger: TestDatabase.logger
        )
        do {
            _ = try await Migrator(directory: TestDatabase.migrationsDirectory, logger: TestDatabase.logger).migrate(pool: pool)
            await pool.shutdown()
        } catch {
            await pool.shutdown()
            throw error
        }
        done = true
    }
}
