import Foundation
import GatehouseStore
import Logging
import Postgres

/// What every simulator handler needs: the database, the configuration, the state machine.
struct SimulatorService: Sendable {
    let database: Database
    let configuration: StripeSimulator.Configuration
    let events: SimulatorEvents
    let billing: SimulatorBilling
    let doorbell: SimulatorDoorbell
    let logger: Logger

    init(database: Database, configuration: StripeSimulator.Configuration, logger: Logger) {
        self.database = database
        self.configuration = configuration
        self.events = SimulatorEvents(webhookURL: configuration.webhookURL, apiVersion: configuration.apiVersion,
                                      wallClock: configuration.clock)
        self.billing = SimulatorBilling(events: events)
        self.doorbell = SimulatorDoorbell()
        self.logger = logger
    }

    /// `http://host:port/stripe-sim`.
    var base: String { configuration.publicBaseURL + configuration.pathPrefix }

    func checkoutURL(_ id: String) -> String { base + "/checkout/" + id }
    func portalURL(_ id: String) -> String { base + "/portal/" + id }

    /// Real time in unix seconds.
    var wallTime: Int64 { Int64(configuration.clock().timeIntervalSince1970) }

    /// The time an object lives at: its test clock's frozen time, else real time.
    func now(testClock: String?, in session: PostgresSession) async throws -> Int64 {
        guard let testClock else { return wallTime }
        return try await SimTestClock.find(testClock, in: session)?.frozenTime ?? wallTime
    }

    /// Runs `body` in a transaction; afterwards the worker is woken to deliver what it recorded.
    func transaction<T>(_ body: (PostgresSession) async throws -> T) async throws -> T {
        let value = try await database.withPlatform(body)
        doorbell.ring()
        return value
    }
}
