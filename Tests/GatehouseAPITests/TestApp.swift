import Foundation
import GatehouseAPI
import GatehouseTestSupport
import Hummingbird
import HummingbirdTesting
import Logging

/// Builds the real application (the same `buildApplication` as `gatehouse serve`) on the shared
/// test database, listening on a free loopback port, and runs `body` with a live HTTP client.
enum TestApp {
    /// A fixed pepper for tests only.
    static let keyPepper = "test-pepper-0000000000000000000000000000000000000000"

    static func configuration() async throws -> AppConfiguration {
        try await TestDatabase.migrate()
        return AppConfiguration(
            host: "127.0.0.1",
            port: 0,
            databaseURL: try TestDatabase.appURL,
            databasePoolSize: 4,
            logLevel: .warning,
            migrationsDirectory: TestDatabase.migrationsDirectory,
            openAPISpecPath: TestDatabase.openAPISpecPath,
            keyPepper: TestApp.keyPepper
        )
    }

    static func run<Value: Sendable>(
        _ configuration: AppConfiguration? = nil,
        _ body: @Sendable (any TestClientProtocol) async throws -> Value
    ) async throws -> Value {
        var resolved = configuration
        if resolved == nil { resolved = try await Self.configuration() }
        let configuration = resolved!
        let app = try buildApplication(configuration: configuration, logger: TestDatabase.logger)
        return try await app.test(.live, body)
    }
}

extension TestResponse {
    /// The body parsed as a JSON object.
    var json: [String: Any] {
        get throws {
            let data = Data(buffer: body)
            guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "not a JSON object"))
            }
            return object
        }
    }

    var text: String { String(buffer: body) }
}
