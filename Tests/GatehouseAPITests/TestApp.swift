import Foundation
import GatehouseAPI
import GatehouseAuth
import GatehouseTestSupport
import Hummingbird
import HummingbirdTesting
import Logging

/// Builds the real application (the same `buildApplication` as `gatehouse serve`) on the shared
/// test database, listening on a free loopback port, and runs `body` with a live HTTP client.
enum TestApp {
    /// A fixed pepper for tests only.
    static let keyPepper = "test-pepper-0000000000000000000000000000000000000000"
    /// A fixed Ed25519 seed for tests only (base64 of 32 bytes), so fixtures can mint tokens the server accepts.
    static let jwtSigningKey = "dGVzdC1zZWVkLWdhdGVob3VzZS0wMDAwMDAwMDAwMDA="
    /// Cheap Argon2 for tests only (production defaults are m=19456 KiB, t=2, p=1).
    static let argon2Parameters = Argon2Parameters(memoryKiB: 64, iterations: 1, parallelism: 1)

    static func configuration() async throws -> AppConfiguration {
        try await TestDatabase.migrate()
        var configuration = AppConfiguration(
            host: "127.0.0.1",
            port: 0,
            databaseURL: try TestDatabase.appURL,
            databasePoolSize: 4,
            logLevel: .warning,
            migrationsDirectory: TestDatabase.migrationsDirectory,
            openAPISpecPath: TestDatabase.openAPISpecPath,
            keyPepper: TestApp.keyPepper,
            jwtSigningKey: TestApp.jwtSigningKey,
            argon2Parameters: TestApp.argon2Parameters,
            // Every test app's worker drains the same outbox, so all of them write into one directory.
            mailTransport: "file:" + TestMail.directory,
            // Every test client comes from 127.0.0.1: per-IP throttling is tested with its own configuration.
            authThrottlePerIP: 0,
            authThrottlePerEmail: 1000,
            mailPollInterval: .milliseconds(100)
        )
        // Billing's simulator and reconciler only in the billing tests (BillingTestApp): every
        // test server polling the shared database would cost connections and CPU for nothing.
        configuration.stripeSimulatorEnabled = false
        configuration.billingReconcileInterval = nil
        return configuration
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
