import ArgumentParser
import Foundation
import GatehouseAPI
import Hummingbird
import Logging

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the HTTP server (configured by environment variables; see README)."
    )

    func run() async throws {
        let configuration: AppConfiguration
        do {
            configuration = try AppConfiguration(environment: ProcessInfo.processInfo.environment)
        } catch {
            throw ValidationError("\(error)")
        }
        LoggingBootstrap.bootstrap(level: configuration.logLevel)
        let app = try buildApplication(configuration: configuration, logger: Logger(label: "gatehouse"))
        // runService installs SIGTERM/SIGINT handlers: graceful shutdown through swift-service-lifecycle.
        try await app.runService()
    }
}
