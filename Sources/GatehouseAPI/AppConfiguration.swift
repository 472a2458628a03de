public import Foundation
public import Logging

/// Everything the server reads from its environment, parsed once at start-up.
/// `main` builds it with `AppConfiguration(environment:)`; tests build it directly.
public struct AppConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// The server's connection URL (role `gatehouse_app`). Contains a password: never log it.
    public var databaseURL: String
    public var databasePoolSize: Int
    public var databasePoolTimeout: Duration
    public var logLevel: Logger.Level
    /// Where the SQL migration files live (the readiness check compares them with the database).
    public var migrationsDirectory: String
    /// The public base URL for links in mails (never taken from the Host header).
    public var publicURL: String
    /// Request bodies larger than this are refused with 413 before any parsing.
    public var maxBodyBytes: Int
    /// The OpenAPI document; the server reads each operation's `x-auth`/`x-scopes` from it.
    public var openAPISpecPath: String
    /// HMAC key for API and master keys at rest. A secret: never log it.
    public var keyPepper: String
    /// The `gk` in `gk_live_…` and `gk_admin_…`.
    public var keyPrefix: String
    /// The server's clock (rate windows, spend periods, usage days); tests inject their own.
    public var clock: @Sendable () -> Date = { Date() }
    /// Price per key-authenticated call by endpoint (`METHOD /api/v2/route/{template}`);
    /// unlisted endpoints cost 0. `ROUTE_PRICES` (`METHOD /route/template=amount;…`).
    public var routePrices: [String: Decimal] = AppConfiguration.defaultRoutePrices
    /// How often the usage log queue is written (`USAGE_FLUSH_INTERVAL_MS`).
    public var usageFlushInterval: Duration = .seconds(1)
    /// Most usage records held in memory while the database is slow or away
    /// (`USAGE_QUEUE_CAPACITY`); beyond it new records are dropped, logged and counted.
    public var usageQueueCapacity: Int = 100_000

    /// `POST /api/v2/messages` costs 0.010000; everything else is free.
    public static let defaultRoutePrices: [String: Decimal] = ["POST /api/v2/messages": Decimal(string: "0.01")!]

    public init(
        host: String = "127.0.0.1",
        port: Int = 8080,
        databaseURL: String,
        databasePoolSize: Int = 10,
        databasePoolTimeout: Duration = .seconds(5),
        logLevel: Logger.Level = .info,
        migrationsDirectory: String = "sql/migrations",
        publicURL: String = "http://127.0.0.1:8080",
        maxBodyBytes: Int = 1 << 20,
        openAPISpecPath: String = "openapi.yaml",
        keyPepper: String,
        keyPrefix: String = "gk"
    ) {
        self.host = host
        self.port = port
        self.databaseURL = databaseURL
        self.databasePoolSize = databasePoolSize
        self.databasePoolTimeout = databasePoolTimeout
        self.logLevel = logLevel
        self.migrationsDirectory = migrationsDirectory
        self.publicURL = publicURL
        self.maxBodyBytes = maxBodyBytes
        self.openAPISpecPath = openAPISpecPath
        self.keyPepper = keyPepper
        self.keyPrefix = keyPrefix
    }

    public struct ConfigurationError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Reads the documented variables (see README): `HOST`, `PORT`, `DATABASE_URL`,
    /// `DB_POOL_SIZE`, `DB_POOL_TIMEOUT_SECONDS`, `LOG_LEVEL`, `MIGRATIONS_DIR`, `PUBLIC_URL`,
    /// `MAX_BODY_BYTES`, `OPENAPI_SPEC`, `KEY_PEPPER` (required, at least 32 characters), `KEY_PREFIX`.
    public init(environment: [String: String]) throws {
        func integer(_ name: String, _ fallback: Int, _ range: ClosedRange<Int>) throws -> Int {
            guard let text = environment[name], !text.isEmpty else { return fallback }
            guard let value = Int(text), range.contains(value) else {
                throw ConfigurationError(description: "\(name) must be an integer in \(range.lowerBound)...\(range.upperBound)")
            }
            return value
        }
        guard let databaseURL = environment["DATABASE_URL"], !databaseURL.isEmpty else {
            throw ConfigurationError(description: "DATABASE_URL is required (postgres://user:pass@host:port/db)")
        }
        guard let pepper = environment["KEY_PEPPER"], pepper.count >= 32 else {
            throw ConfigurationError(description: "KEY_PEPPER is required: at least 32 random characters (e.g. openssl rand -hex 32)")
        }
        let keyPrefix = environment["KEY_PREFIX"].flatMap { $0.isEmpty ? nil : $0 } ?? "gk"
        guard keyPrefix.wholeMatch(of: /[a-z][a-z0-9]{0,15}/) != nil else {
            throw ConfigurationError(description: "KEY_PREFIX must be 1-16 lowercase letters or digits, starting with a letter")
        }
        var level = Logger.Level.info
        if let text = environment["LOG_LEVEL"], !text.isEmpty {
            guard let parsed = Logger.Level(rawValue: text.lowercased()) else {
                throw ConfigurationError(description: "LOG_LEVEL must be one of trace, debug, info, notice, warning, error, critical")
            }
            level = parsed
        }
        self.init(
            host: environment["HOST"].flatMap { $0.isEmpty ? nil : $0 } ?? "127.0.0.1",
            port: try integer("PORT", 8080, 0...65535),
            databaseURL: databaseURL,
            databasePoolSize: try integer("DB_POOL_SIZE", 10, 1...500),
            databasePoolTimeout: .seconds(try integer("DB_POOL_TIMEOUT_SECONDS", 5, 1...300)),
            logLevel: level,
            migrationsDirectory: environment["MIGRATIONS_DIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "sql/migrations",
            publicURL: environment["PUBLIC_URL"].flatMap { $0.isEmpty ? nil : $0 } ?? "http://127.0.0.1:8080",
            maxBodyBytes: try integer("MAX_BODY_BYTES", 1 << 20, 1024...(64 << 20)),
            openAPISpecPath: environment["OPENAPI_SPEC"].flatMap { $0.isEmpty ? nil : $0 } ?? "openapi.yaml",
            keyPepper: pepper,
            keyPrefix: keyPrefix
        )
        if let text = environment["ROUTE_PRICES"], !text.isEmpty {
            self.routePrices = try Self.parseRoutePrices(text)
        }
        usageFlushInterval = .milliseconds(try integer("USAGE_FLUSH_INTERVAL_MS", 1000, 10...600_000))
        usageQueueCapacity = try integer("USAGE_QUEUE_CAPACITY", 100_000, 100...10_000_000)
    }

    /// `POST /api/v2/messages=0.010000;GET /api/v2/x=0.5`: `;`-separated `METHOD /route/template=amount`,
    /// amounts with at most 6 places, not negative. Replaces the defaults entirely.
    static func parseRoutePrices(_ text: String) throws -> [String: Decimal] {
        var prices: [String: Decimal] = [:]
        for part in text.split(separator: ";") {
            let entry = part.trimmingCharacters(in: .whitespaces)
            guard !entry.isEmpty else { continue }
            guard let equals = entry.lastIndex(of: "=") else {
                throw ConfigurationError(description: "ROUTE_PRICES: '\(entry)' is not METHOD /route/template=amount")
            }
            let endpoint = entry[..<equals].trimmingCharacters(in: .whitespaces)
            let amount = entry[entry.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            guard endpoint.wholeMatch(of: /[A-Z]+ \/\S*/) != nil,
                  amount.wholeMatch(of: /[0-9]{1,14}(\.[0-9]{1,6})?/) != nil,
                  let decimal = Decimal(string: amount, locale: Locale(identifier: "en_US_POSIX")) else {
                throw ConfigurationError(description: "ROUTE_PRICES: '\(entry)' is not METHOD /route/template=amount (at most 6 decimal places)")
            }
            prices[endpoint] = decimal
        }
        return prices
    }
}
