import ArgumentParser
import Foundation
import GatehouseAuth
import GatehouseStore
import Logging
import Postgres

struct Admin: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Operator tasks.",
        subcommands: [CreateMasterKey.self]
    )
}

struct CreateMasterKey: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create-master-key",
        abstract: "Create a master key for the /admin API. The raw key is printed once, on the last line of stdout."
    )

    @Option(help: "A label for the key.")
    var name: String

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        LoggingBootstrap.bootstrap(level: .warning)
        guard (1...64).contains(name.count) else { throw ValidationError("--name must be 1 to 64 characters") }
        guard let url = environment["DATABASE_URL"].nonEmpty else { throw ValidationError("set DATABASE_URL") }
        guard let pepper = environment["KEY_PEPPER"].nonEmpty else { throw ValidationError("set KEY_PEPPER") }
        let format = KeyFormat(prefix: environment["KEY_PREFIX"].nonEmpty ?? "gk")
        let raw = format.generate(.admin)
        let hash = KeyHasher(pepper: pepper).hash(raw)
        let pool = PostgresPool(
            configuration: try PostgresConfiguration(url: url, maxConnections: 1),
            logger: Logger(label: "gatehouse.admin")
        )
        let database = Database(pool: pool)
        do {
            let id = try await database.withPlatform { session in
                try await session.query(
                    "SELECT platform_create_master_key(\(name), \(hash), \(KeyFormat.displayPrefix(of: raw))) AS id"
                ).first!.decode("id", as: UUID.self)
            }
            await pool.shutdown()
            print("created master key \(id.uuidString.lowercased()) (\(name)); store it now, it is not shown again:")
            print(raw)
        } catch {
            await pool.shutdown()
            throw error
        }
    }
}
