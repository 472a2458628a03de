import Foundation
import GatehouseStore
import GatehouseTestSupport
import Postgres
import Testing

@Suite("Migrations: ordered, recorded, idempotent, tamper-evident, serialized")
struct MigratorTests {
    private func pool(_ url: String) throws -> PostgresPool {
        PostgresPool(configuration: try PostgresConfiguration(url: url, maxConnections: 1), logger: TestDatabase.logger)
    }

    private func migrator(_ directory: String = TestDatabase.migrationsDirectory) throws -> Migrator {
        try Migrator(directory: directory, logger: TestDatabase.logger)
    }

    @Test func appliesAllThenIsANoOp() async throws {
        let scratch = try await TestDatabase.createScratchDatabase()
        let pool = try pool(scratch.ownerURL)
        defer { Task { await pool.shutdown() } }
        let migrator = try migrator()
        let first = try await migrator.migrate(pool: pool)
        #expect(first.applied == migrator.migrations.map(\.name))
        let second = try await migrator.migrate(pool: pool)
        #expect(second.applied.isEmpty)
        #expect(second.alreadyApplied == migrator.migrations.count)
        let recorded = try await pool.withConnection { session in
            try await session.query("SELECT name, checksum FROM schema_migrations ORDER BY name").map {
                (try $0.decode("name", as: String.self), try $0.decode("checksum", as: String.self))
            }
        }
        #expect(recorded.map(\.0) == migrator.migrations.map(\.name))
        #expect(recorded.map(\.1) == migrator.migrations.map(\.checksum))
    }

    @Test func refusesWhenAnAppliedFileChanged() async throws {
        let scratch = try await TestDatabase.createScratchDatabase()
        let pool = try pool(scratch.ownerURL)
        defer { Task { await pool.shutdown() } }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("migs-\(UUID())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try "CREATE TABLE widgets (id int);".write(toFile: directory + "/0001_create_widgets.sql", atomically: true, encoding: .utf8)
        _ = try await migrator(directory).migrate(pool: pool)

        try "CREATE TABLE widgets (id bigint);".write(toFile: directory + "/0001_create_widgets.sql", atomically: true, encoding: .utf8)
        try "CREATE TABLE gadgets (id int);".write(toFile: directory + "/0002_create_gadgets.sql", atomically: true, encoding: .utf8)
        await #expect(throws: Migrator.MigrationError.self) { try await migrator(directory).migrate(pool: pool) }
        // Nothing after the tampered file was applied.
        let gadgets = try await pool.withConnection { try await $0.query("SELECT to_regclass('gadgets') AS t").first!.decode("t", as: String?.self) }
        #expect(gadgets == nil)
    }

    @Test func aFailingMigrationLeavesNoTrace() async throws {
        let scratch = try await TestDatabase.createScratchDatabase()
        let pool = try pool(scratch.ownerURL)
        defer { Task { await pool.shutdown() } }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("migs-\(UUID())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try "CREATE TABLE half (id int); SELECT 1/0;".write(toFile: directory + "/0001_create_half.sql", atomically: true, encoding: .utf8)
        await #expect(throws: PostgresError.self) { try await migrator(directory).migrate(pool: pool) }
        let row = try await pool.withConnection { session in
            try await session.query("""
                SELECT to_regclass('half') AS t, (SELECT count(*) FROM schema_migrations) AS n
                """).first!
        }
        #expect(try row.decode("t", as: String?.self) == nil)
        #expect(try row.decode("n", as: Int.self) == 0)
    }

    @Test func concurrentRunsAreSerialized() async throws {
        let scratch = try await TestDatabase.createScratchDatabase()
        let pools = try (0..<3).map { _ in try pool(scratch.ownerURL) }
        defer { Task { for pool in pools { await pool.shutdown() } } }
        let migrator = try migrator()
        let reports = try await withThrowingTaskGroup(of: Migrator.Report.self) { group in
            for pool in pools { group.addTask { try await migrator.migrate(pool: pool) } }
            return try await group.reduce(into: [Migrator.Report]()) { $0.append($1) }
        }
        // Exactly one run applied everything; the others found the database current.
        #expect(reports.filter { !$0.applied.isEmpty }.count == 1)
        #expect(reports.map(\.applied.count).reduce(0, +) == migrator.migrations.count)
    }
}
