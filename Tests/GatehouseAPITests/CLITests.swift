import Foundation
import GatehouseAuth
import GatehouseStore
import GatehouseTestSupport
import Postgres
import Testing

@Suite("The gatehouse command line")
struct CLITests {
    @Test func migrateTwiceIsANoOpTheSecondTime() async throws {
        let scratch = try await TestDatabase.createScratchDatabase()
        let environment = ["MIGRATION_DATABASE_URL": scratch.ownerURL, "LOG_FORMAT": "text"]
        let first = try await GatehouseBinary.run(["migrate", "--migrations-dir", TestDatabase.migrationsDirectory], environment: environment)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("applied"))
        let second = try await GatehouseBinary.run(["migrate", "--migrations-dir", TestDatabase.migrationsDirectory], environment: environment)
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stdout.contains("database is current"))
    }

    @Test func migrateWithoutADatabaseFailsClearly() async throws {
        let result = try await GatehouseBinary.run(["migrate"], environment: [:])
        #expect(result.status != 0)
        #expect(result.stderr.contains("MIGRATION_DATABASE_URL"))
    }

    @Test func createMasterKeyPrintsTheRawKeyOnceOnTheLastLine() async throws {
        try await TestDatabase.migrate()
        let result = try await GatehouseBinary.run(
            ["admin", "create-master-key", "--name", "cli-test"],
            environment: ["MIGRATION_DATABASE_URL": try TestDatabase.ownerURL, "KEY_PEPPER": "cli-test-pepper-0000000000000000000000000000"]
        )
        #expect(result.status == 0, "\(result.stderr)")
        let lastLine = try #require(result.stdout.split(separator: "\n").last.map(String.init))
        #expect(lastLine.wholeMatch(of: /gk_admin_[0-9a-f]{64}/) != nil)
        // Only the HMAC is stored, and it authenticates.
        let database = Database(pool: try await TestDatabase.appPool(maxConnections: 1))
        defer { Task { await database.pool.shutdown() } }
        let hash = KeyHasher(pepper: "cli-test-pepper-0000000000000000000000000000").hash(lastLine)
        let name = try await database.withPlatform { session in
            try await session.query("SELECT name FROM platform_authenticate_master_key(\(hash))").first?.decode("name", as: String.self)
        }
        #expect(name == "cli-test")
        let owner = try await TestDatabase.ownerPool(maxConnections: 1)
        defer { Task { await owner.shutdown() } }
        // The owner's session joins gatehouse_platform to read the platform table in this check.
        let leaked = try await owner.withTransaction { session in
            try await session.query("SELECT count(*) AS n FROM master_keys WHERE key_prefix || '' LIKE \(lastLine) OR name = \(lastLine)")
                .first!.decode("n", as: Int.self)
        }
        #expect(leaked == 0)
    }
}
