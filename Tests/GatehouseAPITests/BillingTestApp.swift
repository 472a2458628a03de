import Foundation
import GatehouseAPI
import GatehouseBilling
import GatehouseStore
import GatehouseTestSupport
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import NIOPosix
import Postgres
import ServiceLifecycle
import Testing

/// Every billing suite, one test at a time: each test runs a whole server (simulator included)
/// holding a few database connections, and the whole test run shares one PostgreSQL.
@Suite("Billing", .serialized)
enum BillingSuites {}

/// The real application for billing tests, serving its built-in Stripe simulator, on a free
/// port known before it starts: the simulator's checkout and portal links, its API base and the
/// webhook endpoint it delivers to are all built from `PUBLIC_URL`, so they must name the real
/// address. Nothing about Stripe is mocked: Gatehouse calls the simulator over HTTP and the
/// simulator calls Gatehouse's webhook over HTTP.
enum BillingTestApp {
    struct Context: Sendable {
        let client: BillingHTTPClient
        let configuration: AppConfiguration
        /// The server role's view of the database the app uses (tenant door only).
        let database: Database
        /// The simulator's API, as Gatehouse calls it.
        let stripe: StripeClient

        var billing: PostgresBillingRepository { PostgresBillingRepository(database: database) }
    }

    /// The test configuration on a free port, with quick webhook redeliveries.
    static func configuration() async throws -> AppConfiguration {
        var configuration = try await TestApp.configuration()
        let port = try await freePort()
        configuration.port = port
        configuration.publicURL = "http://127.0.0.1:\(port)"
        configuration.stripeSimulatorEnabled = true
        configuration.stripeSimulatorRetryDelay = .milliseconds(100)
        // Reconciliation has its own test; here webhooks alone must do the work.
        configuration.billingReconcileInterval = nil
        configuration.databasePoolSize = 3
        return configuration
    }

    /// Runs the app (as `gatehouse serve` does: its services in a group, listening on the
    /// configured port; HummingbirdTesting's live mode would move it to a random port) and
    /// `body` against it.
    static func run<Value: Sendable>(
        _ configuration: AppConfiguration? = nil,
        _ body: @Sendable (Context) async throws -> Value
    ) async throws -> Value {
        var resolved = configuration
        if resolved == nil { resolved = try await Self.configuration() }
        let configuration = resolved!
        let app = try buildApplication(configuration: configuration, logger: TestDatabase.logger)
        let group = ServiceGroup(configuration: .init(services: [app], logger: TestDatabase.logger))
        let running = Task { try await group.run() }
        let pool = PostgresPool(configuration: try PostgresConfiguration(url: configuration.databaseURL, maxConnections: 1),
                                logger: TestDatabase.logger)
        let stripe = StripeClient(apiBase: URL(string: configuration.resolvedStripeAPIBase)!,
                                  secretKey: AppConfiguration.simulatorSecretKey)
        let client = BillingHTTPClient(port: configuration.port)
        func stop() async {
            await group.triggerGracefulShutdown()
            _ = await running.result
            await pool.shutdown()
        }
        do {
            try await client.waitUntilLive()
            let value = try await body(Context(client: client, configuration: configuration, database: Database(pool: pool), stripe: stripe))
            await stop()
            return value
        } catch {
            await stop()
            throw error
        }
    }

    /// A port nobody listens on right now (bound, read, released).
    static func freePort() async throws -> Int {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        let port = channel.localAddress?.port ?? 0
        try await channel.close()
        return port
    }

    /// A migrated scratch database of its own (the server role's URL): for tests that must be
    /// alone with the simulator's events.
    static func scratchDatabaseURL() async throws -> String {
        try await TestDatabase.migrate()
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
        return try TestDatabase.replacingDatabase(in: try TestDatabase.appURL, with: scratch.name)
    }
}
