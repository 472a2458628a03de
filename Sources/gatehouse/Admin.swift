import ArgumentParser
import Foundation
import GatehouseAuth
import GatehouseStore
import Logging
import Postgres

struct Admin: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Operator tasks: master keys. They run as the owning role (MIGRATION_DATABASE_URL, else DATABASE_URL).",
        subcommands: [CreateMasterKey.self, ListMasterKeys.self, RevokeMasterKey.self]
    )

    /// Runs `body` on a one-connection pool as the owning role: the server's role may not touch master keys.
    static func withOwnerDatabase<T>(_ body: (Database) async throws -> T) async throws -> T {
        let environment = ProcessInfo.processInfo.environment
        guard let url = environment["MIGRATION_DATABASE_URL"].nonEmpty ?? environment["DATABASE_URL"].nonEmpty else {
            throw ValidationError("set MIGRATION_DATABASE_URL (the owning role, as for `gatehouse migrate`)")
        }
        let pool = PostgresPool(
            configuration: try PostgresConfiguration(url: url, maxConnections: 1),
            logger: Logger(label: "gatehouse.admin")
        )
        do {
            let value = try await body(Database(pool: pool))
            await pool.shutdown()
            return value
        } catch let error as PostgresError where error.isInsufficientPrivilege {
            await pool.shutdown()
            throw ValidationError("this role may not manage master keys: set MIGRATION_DATABASE_URL to the owning role")
        } catch {
            await pool.shutdown()
            throw error
        }
    }
}

struct CreateMasterKey: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create-master-key",
        abstract: "Create a master key for the /admin API. The raw key is printed once, on the last line of stdout."
    )

    @Option(help: "A label for the key.")
    var name: String

    @Option(help: "Days until the key stops working (default: never).")
    var expiresInDays: Int?

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        LoggingBootstrap.bootstrap(level: .warning)
        guard (1...64).contains(name.count) else { throw ValidationError("--name must be 1 to 64 characters") }
        if let days = expiresInDays, !(1...3650).contains(days) {
            throw ValidationError("--expires-in-days must be between 1 and 3650")
        }
        guard let pepper = environment["KEY_PEPPER"].nonEmpty else { throw ValidationError("set KEY_PEPPER") }
        let format = KeyFormat(prefix: environment["KEY_PREFIX"].nonEmpty ?? "gk")
        let raw = format.generate(.admin)
        let hash = KeyHasher(pepper: pepper).hash(raw)
        let expiresAt = expiresInDays.map { Date().addingTimeInterval(Double($0) * 86_400) }
        let id = try await Admin.withOwnerDatabase { database in
            try await database.withPlatform { session in
                try await session.query("""
                    SELECT platform_create_master_key(\(name), \(hash), \(KeyFormat.displayPrefix(of: raw)), \(expiresAt)) AS id
                    """).first!.decode("id", as: UUID.self)
            }
        }
        let until = expiresAt.map { ", expires \($0.formatted(.iso8601))" } ?? ""
        print("created master key \(id.uuidString.lowercased()) (\(name)\(until)); store it now, it is not shown again:")
        print(raw)
    }
}

struct ListMasterKeys: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list-master-keys",
        abstract: "List master keys, newest first: id, name, prefix, created, expires, last used, revoked (tab-separated)."
    )

    func run() async throws {
        LoggingBootstrap.bootstrap(level: .warning)
        let rows = try await Admin.withOwnerDatabase { database in
            try await database.withPlatform { session in
                try await session.query("""
                    SELECT id, name, key_prefix, created_at, expires_at, last_used_at, revoked_at
                      FROM platform_list_master_keys()
                    """).map { row -> [String] in
                    func time(_ column: String) throws -> String {
                        try row.decode(column, as: Date?.self).map { $0.formatted(.iso8601) } ?? "-"
                    }
                    return [
                        try row.decode("id", as: UUID.self).uuidString.lowercased(), try row.decode("name", as: String.self),
                        try row.decode("key_prefix", as: String.self), try time("created_at"), try time("expires_at"),
                        try time("last_used_at"), try time("revoked_at"),
                    ]
                }
            }
        }
        print(["id", "name", "prefix", "created_at", "expires_at", "last_used_at", "revoked_at"].joined(separator: "\t"))
        for row in rows { print(row.joined(separator: "\t")) }
    }
}

struct RevokeMasterKey: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke-master-key",
        abstract: "Revoke a master key: the next request made with it is refused."
    )

    @Argument(help: "The master key's id (see list-master-keys).")
    var id: String

    func run() async throws {
        LoggingBootstrap.bootstrap(level: .warning)
        guard let keyID = UUID(uuidString: id) else { throw ValidationError("ID must be a UUID") }
        let outcome = try await Admin.withOwnerDatabase { database in
            try await database.withPlatform { session in
                try await session.query("SELECT platform_revoke_master_key(\(keyID)) AS outcome").first!
                    .decode("outcome", as: String.self)
            }
        }
        switch outcome {
        case "revoked": print("revoked master key \(keyID.uuidString.lowercased())")
        case "already_revoked": print("master key \(keyID.uuidString.lowercased()) was already revoked")
        default: throw ValidationError("no master key has the id \(keyID.uuidString.lowercased())")
        }
    }
}
