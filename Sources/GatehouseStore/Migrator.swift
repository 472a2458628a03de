import Crypto
import Foundation
import Logging
import Postgres

/// Applies `sql/migrations/NNNN_verb_noun.sql` files in order, each in its own transaction,
/// recording name and SHA-256 checksum in `schema_migrations`. Runs as the owning role.
/// Concurrent runs are serialized by an advisory lock; an applied file that changed is refused.
public struct Migrator: Sendable {
    /// One migration file on disk.
    public struct Migration: Sendable, Equatable {
        public let name: String
        public let sql: String
        public var checksum: String {
            SHA256.hash(data: Data(sql.utf8)).map { String(format: "%02x", $0) }.joined()
        }
    }

    public struct Report: Sendable {
        public var applied: [String]
        public var alreadyApplied: Int
    }

    public enum MigrationError: Error, CustomStringConvertible {
        case checksumMismatch(name: String)
        case badFileName(String)
        case unreadableDirectory(String)

        public var description: String {
            switch self {
            case .checksumMismatch(let name):
                "migration \(name) was already applied but its file has changed since; restore the file and add a new migration instead"
            case .badFileName(let name):
                "migration file \(name) must be named NNNN_verb_noun.sql"
            case .unreadableDirectory(let path):
                "cannot read migrations directory \(path)"
            }
        }
    }

    /// Arbitrary, fixed key for `pg_advisory_lock`: "gatehouse" in ASCII digits.
    static let advisoryLockKey = 7_165_116_104_111_117
    public let migrations: [Migration]
    private let logger: Logger

    public init(directory: String, logger: Logger) throws {
        self.migrations = try Self.load(directory: directory)
        self.logger = logger
    }

    /// Migration files in name order.
    public static func load(directory: String) throws -> [Migration] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else {
            throw MigrationError.unreadableDirectory(directory)
        }
        return try names.filter { $0.hasSuffix(".sql") }.sorted().map { name in
            guard name.wholeMatch(of: /[0-9]{4}_[a-z0-9_]+\.sql/) != nil else { throw MigrationError.badFileName(name) }
            let sql = try String(contentsOfFile: directory + "/" + name, encoding: .utf8)
            return Migration(name: name, sql: sql)
        }
    }

    /// Applies every pending migration. A no-op when the database is current.
    public func migrate(pool: PostgresPool) async throws -> Report {
        try await pool.withConnection { session in
            try await session.query("SELECT pg_advisory_lock(\(Self.advisoryLockKey))")
            do {
                let report = try await applyPending(session)
                try await session.query("SELECT pg_advisory_unlock(\(Self.advisoryLockKey))")
                return report
            } catch {
                _ = try? await session.query("ROLLBACK")
                _ = try? await session.query("SELECT pg_advisory_unlock(\(Self.advisoryLockKey))")
                throw error
            }
        }
    }

    /// The server's role reads `schema_migrations` for its readiness check. The first migration
    /// may create that role, so the grant is repeated after applying.
    private static let grantReadToServerRole = """
        DO $$ BEGIN
            IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'gatehouse_app') THEN
                GRANT SELECT ON schema_migrations TO gatehouse_app;
            END IF;
        END $$;
        """

    private func applyPending(_ session: PostgresSession) async throws -> Report {
        try await session.executeScript("""
            CREATE TABLE IF NOT EXISTS schema_migrations (
                name text PRIMARY KEY,
                checksum text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
            );
            """ + Self.grantReadToServerRole)
        var applied: [String: String] = [:]
        for row in try await session.query("SELECT name, checksum FROM schema_migrations") {
            applied[try row.decode("name")] = try row.decode("checksum", as: String.self)
        }
        var report = Report(applied: [], alreadyApplied: 0)
        for migration in migrations {
            if let checksum = applied[migration.name] {
                guard checksum == migration.checksum else { throw MigrationError.checksumMismatch(name: migration.name) }
                report.alreadyApplied += 1
                continue
            }
            logger.info("applying migration", metadata: ["migration": "\(migration.name)"])
            try await session.executeScript("BEGIN")
            try await session.executeScript(migration.sql)
            try await session.query(
                "INSERT INTO schema_migrations (name, checksum) VALUES (\(migration.name), \(migration.checksum))")
            try await session.executeScript("COMMIT")
            report.applied.append(migration.name)
        }
        if !report.applied.isEmpty { try await session.executeScript(Self.grantReadToServerRole) }
        return report
    }

    /// Whether every migration file is recorded as applied (the readiness check; read-only).
    public func isCurrent(_ database: Database) async throws -> Bool {
        let names = migrations.map(\.name)
        return try await database.withPlatform { session in
            let rows = try await session.query("SELECT count(*) AS n FROM schema_migrations WHERE name = ANY(\(names))")
            return try rows.first?.decode("n", as: Int.self) == names.count
        }
    }
}
