public import Foundation
public import GatehouseAuth
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
    /// Prepare each statement once per database connection (`DB_PREPARED_STATEMENTS`, default
    /// true). Set false behind PgBouncer in transaction mode before 1.21.
    public var databasePreparedStatements = true
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
    /// Base64 of the 32-byte Ed25519 seed that signs access tokens. A secret: never log it.
    public var jwtSigningKey: String
    /// Argon2id cost for new password hashes.
    public var argon2Parameters: Argon2Parameters
    /// Threads dedicated to Argon2, and how many more hashes may wait before 503.
    public var argon2Threads: Int
    public var argon2QueueLimit: Int
    /// `log`, `file:DIR` or `smtp://host:port`.
    public var mailTransport: String
    /// PEM file of the CA certificates an SMTP server's certificate must chain to after STARTTLS
    /// (`SMTP_CA_FILE`); nil trusts the system's store.
    public var smtpCAFile: String? = nil
    /// The sender of Gatehouse's mails.
    public var mailFrom: String
    /// Throttle of login/signup/forgot-password/magic-link: hits per window per IP and per email (0 = no cap).
    public var authThrottlePerIP: Int
    public var authThrottlePerEmail: Int
    public var authThrottleWindowSeconds: Int
    /// How often the mail worker looks for due mails.
    public var mailPollInterval: Duration
    /// The server's clock: token minting and verification, rate windows, spend periods, usage days (tests move it).
    public var clock: @Sendable () -> Date
    /// Price per key-authenticated call by endpoint (`METHOD /api/v2/route/{template}`);
    /// unlisted endpoints cost 0. `ROUTE_PRICES` (`METHOD /route/template=amount;…`).
    public var routePrices: [String: Decimal] = AppConfiguration.defaultRoutePrices
    /// How often the usage log queue is written (`USAGE_FLUSH_INTERVAL_MS`).
    public var usageFlushInterval: Duration = .seconds(1)
    /// Most usage records held in memory while the database is slow or away
    /// (`USAGE_QUEUE_CAPACITY`); beyond it new records are dropped, logged and counted.
    public var usageQueueCapacity: Int = 100_000
    /// When set, `GET /metrics` asks for `Authorization: Bearer <token>` (`METRICS_TOKEN`). A secret: never log it.
    public var metricsToken: String? = nil
    /// When set, `/metrics` is served only on this port (`METRICS_PORT`, same `HOST`) and the API
    /// port answers 404 there; 0 picks a free port (tests).
    public var metricsPort: Int? = nil

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
        keyPrefix: String = "gk",
        jwtSigningKey: String,
        argon2Parameters: Argon2Parameters = .owaspDefault,
        argon2Threads: Int = 2,
        argon2QueueLimit: Int = 64,
        mailTransport: String = "log",
        mailFrom: String = "Gatehouse <no-reply@gatehouse.local>",
        authThrottlePerIP: Int = 100,
        authThrottlePerEmail: Int = 10,
        authThrottleWindowSeconds: Int = 900,
        mailPollInterval: Duration = .seconds(2),
        clock: @escaping @Sendable () -> Date = { Date() }
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
        self.jwtSigningKey = jwtSigningKey
        self.argon2Parameters = argon2Parameters
        self.argon2Threads = argon2Threads
        self.argon2QueueLimit = argon2QueueLimit
        self.mailTransport = mailTransport
        self.mailFrom = mailFrom
        self.authThrottlePerIP = authThrottlePerIP
        self.authThrottlePerEmail = authThrottlePerEmail
        self.authThrottleWindowSeconds = authThrottleWindowSeconds
        self.mailPollInterval = mailPollInterval
        self.clock = clock
    }

    public struct ConfigurationError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Reads the documented variables (see README): `HOST`, `PORT`, `DATABASE_URL`,
    /// `DB_POOL_SIZE`, `DB_POOL_TIMEOUT_SECONDS`, `LOG_LEVEL`, `MIGRATIONS_DIR`, `PUBLIC_URL`,
    /// `MAX_BODY_BYTES`, `OPENAPI_SPEC`, `KEY_PEPPER` (required, at least 32 characters), `KEY_PREFIX`,
    /// `JWT_SIGNING_KEY` (required), `ARGON2_MEMORY_KIB`, `ARGON2_ITERATIONS`, `ARGON2_PARALLELISM`,
    /// `ARGON2_THREADS`, `ARGON2_QUEUE_LIMIT`, `MAIL_TRANSPORT`, `MAIL_FROM`, `AUTH_THROTTLE_PER_IP`,
    /// `AUTH_THROTTLE_PER_EMAIL`, `AUTH_THROTTLE_WINDOW_SECONDS`, `SMTP_CA_FILE`, `DB_PREPARED_STATEMENTS`.
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
        guard let jwtKey = environment["JWT_SIGNING_KEY"], let seed = Data(base64Encoded: jwtKey), seed.count == 32 else {
            throw ConfigurationError(description: "JWT_SIGNING_KEY is required: standard base64 of 32 random bytes (openssl rand -base64 32)")
        }
        let argon2 = Argon2Parameters(
            memoryKiB: UInt32(try integer("ARGON2_MEMORY_KIB", 19_456, 8...4_194_304)),
            iterations: UInt32(try integer("ARGON2_ITERATIONS", 2, 1...64)),
            parallelism: UInt32(try integer("ARGON2_PARALLELISM", 1, 1...16)))
        guard (try? argon2.validated()) != nil else {
            throw ConfigurationError(description: "ARGON2_MEMORY_KIB must be at least 8 × ARGON2_PARALLELISM")
        }
        let mailTransport = environment["MAIL_TRANSPORT"].flatMap { $0.isEmpty ? nil : $0 } ?? "log"
        guard (try? MailTransportKind(mailTransport)) != nil else {
            throw ConfigurationError(description: "MAIL_TRANSPORT must be log, file:DIR or smtp://host:port")
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
            keyPrefix: keyPrefix,
            jwtSigningKey: jwtKey,
            argon2Parameters: argon2,
            argon2Threads: try integer("ARGON2_THREADS", 2, 1...64),
            argon2QueueLimit: try integer("ARGON2_QUEUE_LIMIT", 64, 0...10_000),
            mailTransport: mailTransport,
            mailFrom: environment["MAIL_FROM"].flatMap { $0.isEmpty ? nil : $0 } ?? "Gatehouse <no-reply@gatehouse.local>",
            authThrottlePerIP: try integer("AUTH_THROTTLE_PER_IP", 100, 0...1_000_000),
            authThrottlePerEmail: try integer("AUTH_THROTTLE_PER_EMAIL", 10, 0...1_000_000),
            authThrottleWindowSeconds: try integer("AUTH_THROTTLE_WINDOW_SECONDS", 900, 1...86_400)
        )
        if let text = environment["ROUTE_PRICES"], !text.isEmpty {
            self.routePrices = try Self.parseRoutePrices(text)
        }
        switch environment["DB_PREPARED_STATEMENTS"]?.lowercased() {
        case nil, "", "true", "1", "on": databasePreparedStatements = true
        case "false", "0", "off": databasePreparedStatements = false
        default: throw ConfigurationError(description: "DB_PREPARED_STATEMENTS must be true or false")
        }
        usageFlushInterval = .milliseconds(try integer("USAGE_FLUSH_INTERVAL_MS", 1000, 10...600_000))
        usageQueueCapacity = try integer("USAGE_QUEUE_CAPACITY", 100_000, 100...10_000_000)
        if let token = environment["METRICS_TOKEN"], !token.isEmpty {
            guard token.count >= 16, token.allSatisfy({ $0.isASCII && !$0.isWhitespace }) else {
                throw ConfigurationError(description: "METRICS_TOKEN must be at least 16 printable ASCII characters (e.g. openssl rand -hex 32)")
            }
            metricsToken = token
        }
        if let text = environment["METRICS_PORT"], !text.isEmpty {
            let metricsPort = try integer("METRICS_PORT", 0, 1...65535)
            guard metricsPort != port else {
                throw ConfigurationError(description: "METRICS_PORT must differ from PORT")
            }
            self.metricsPort = metricsPort
        }
        if let caFile = environment["SMTP_CA_FILE"], !caFile.isEmpty {
            guard FileManager.default.isReadableFile(atPath: caFile) else {
                throw ConfigurationError(description: "SMTP_CA_FILE must be a readable PEM file of CA certificates")
            }
            smtpCAFile = caFile
        }
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
