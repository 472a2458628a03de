import ArgumentParser
import Foundation
import GatehouseStore
import Logging
import Postgres

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply pending SQL migrations (as the owning role: MIGRATION_DATABASE_URL, else DATABASE_URL)."
    )

    @Option(help: "Directory of NNNN_verb_noun.sql files (env MIGRATIONS_DIR).")
    var migrationsDir: String?

    @Option(help: "Connection URL (default: MIGRATION_DATABASE_URL, then DATABASE_URL).")
    var databaseURL: String?

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        LoggingBootstrap.bootstrap(level: .info)
        let logger = Logger(label: "gatehouse.migrate")
        guard let url = databaseURL ?? environment["MIGRATION_DATABASE_URL"].nonEmpty ?? environment["DATABASE_URL"].nonEmpty else {
            throw ValidationError("set MIGRATION_DATABASE_URL (or DATABASE_URL) or pass --database-url")
        }
        let directory = migrationsDir ?? environment["MIGRATIONS_DIR"].nonEmpty ?? "sql/migrations"
        let migrator = try Migrator(directory: directory, logger: logger)
        let pool = PostgresPool(configuration: try PostgresConfiguration(url: url, maxConnections: 1), logger: logger)
        do {
            let report = try await migrator.migrate(pool: pool)
            await pool.shutdown()
            if report.applied.isEmpty {
                print("database is current (\(report.alreadyApplied) migrations applied)")
            } else {
                print("applied \(report.applied.count) migration(s): \(report.applied.joined(separator: ", "))")
            }
        } catch {
            await pool.shutdown()
            logger.error("migration failed", metadata: ["error": "\(error)"])
            throw ExitCode.failure
        }
    }
}

extension Optional where Wrapped == String {
    /// nil for a missing or empty environment variable.
    var nonEmpty: String? { self.flatMap { $0.isEmpty ? nil : $0 } }
}
