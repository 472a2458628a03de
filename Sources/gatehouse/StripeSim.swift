import ArgumentParser
import Foundation
import GatehouseBilling
import GatehouseStore
import Hummingbird
import Logging
import Postgres

/// `gatehouse stripe-sim`: the Stripe simulator on its own port, for tools and other services
/// that want a Stripe to talk to (Stripe's own libraries work against it unchanged).
struct StripeSim: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stripe-sim",
        abstract: "Run the Stripe simulator alone (state in DATABASE_URL's stripe_sim schema; migrate first)."
    )

    @Option(help: "Port to listen on.")
    var port: Int = 12111

    @Option(help: "Address to listen on.")
    var host: String = "127.0.0.1"

    @Option(help: "Public base URL of this process (default http://HOST:PORT); page links start with it.")
    var publicURL: String?

    @Option(help: "Path prefix of the simulator's routes.")
    var pathPrefix: String = "/stripe-sim"

    @Option(help: "Endpoint every event is POSTed to (env STRIPE_WEBHOOK_URL); none: events are only listed.")
    var webhookURL: String?

    @Option(help: "Signing secret of the endpoint (env STRIPE_WEBHOOK_SECRET).")
    var webhookSecret: String?

    @Option(help: "Delay before the first redelivery of a failed webhook, in milliseconds; doubles each time.")
    var webhookRetryMs: Int = 2_000

    @Option(help: "Delivery attempts per event before it is marked failed.")
    var webhookMaxAttempts: Int = 8

    func validate() throws {
        guard (0...65_535).contains(port) else { throw ValidationError("--port must be 0 to 65535") }
        guard (1...3_600_000).contains(webhookRetryMs) else { throw ValidationError("--webhook-retry-ms must be 1 to 3600000") }
        guard (1...100).contains(webhookMaxAttempts) else { throw ValidationError("--webhook-max-attempts must be 1 to 100") }
    }

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        LoggingBootstrap.bootstrap(level: .info)
        let logger = Logger(label: "gatehouse.stripe-sim")
        guard let databaseURL = environment["DATABASE_URL"].nonEmpty else { throw ValidationError("set DATABASE_URL") }
        let webhookURL = self.webhookURL ?? environment["STRIPE_WEBHOOK_URL"].nonEmpty
        let webhookSecret = self.webhookSecret ?? environment["STRIPE_WEBHOOK_SECRET"].nonEmpty
        if webhookURL != nil && webhookSecret == nil {
            throw ValidationError("a webhook URL needs its signing secret: --webhook-secret or STRIPE_WEBHOOK_SECRET")
        }
        let pool = PostgresPool(configuration: try PostgresConfiguration(url: databaseURL, maxConnections: 8), logger: logger)
        let simulator = StripeSimulator(
            database: Database(pool: pool),
            configuration: .init(
                publicBaseURL: publicURL ?? "http://\(host):\(port)",
                pathPrefix: pathPrefix,
                webhookURL: webhookURL,
                webhookSecret: webhookSecret,
                webhookMaxAttempts: webhookMaxAttempts,
                webhookRetryBaseDelay: .milliseconds(webhookRetryMs)
            ),
            logger: logger
        )
        let router = Router()
        simulator.registerRoutes(on: router)
        var app = Application(
            router: router,
            configuration: .init(address: .hostname(host, port: port), serverName: "gatehouse-stripe-sim"),
            logger: logger
        )
        app.addServices(pool, simulator.worker)
        logger.info("stripe simulator listening", metadata: ["api_base": "\(simulator.configuration.apiBase)"])
        try await app.runService()
    }
}
