import Foundation

/// Where and how to connect. Built from a libpq connection URL:
/// `postgres://user:pass@host:port/db?sslmode=require`, or a unix socket directory as
/// `postgres://user@/db?host=/var/run/postgresql` (libpq parses the URL itself).
public struct PostgresConfiguration: Sendable {
    /// The connection URL exactly as given. Contains the password: never log it; use `redacted`.
    public let url: String
    /// Connections the pool opens at most.
    public var maxConnections: Int
    /// How long a caller waits for a free connection before `PostgresError.poolTimeout`.
    public var acquireTimeout: Duration
    /// Callers that may wait at once; more are refused at once (back-pressure, not a queue without end).
    public var maxWaiters: Int
    /// Seconds libpq waits to establish a connection.
    public var connectTimeoutSeconds: Int
    /// `application_name` reported to the server.
    public var applicationName: String
    /// Prepare each SQL text once per connection and reuse it (parse and plan once). Turn off
    /// behind PgBouncer in transaction mode before 1.21, where a prepared statement may live on
    /// a server connection the next transaction does not get.
    public var usesPreparedStatements: Bool

    public init(
        url: String,
        maxConnections: Int = 10,
        acquireTimeout: Duration = .seconds(5),
        maxWaiters: Int = 1000,
        connectTimeoutSeconds: Int = 5,
        applicationName: String = "gatehouse",
        usesPreparedStatements: Bool = true
    ) throws {
        guard url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") else {
            throw PostgresError.invalidConfiguration("a database URL must start with postgres:// or postgresql://")
        }
        guard maxConnections > 0 else { throw PostgresError.invalidConfiguration("maxConnections must be positive") }
        self.url = url
        self.maxConnections = maxConnections
        self.acquireTimeout = acquireTimeout
        self.maxWaiters = maxWaiters
        self.connectTimeoutSeconds = connectTimeoutSeconds
        self.applicationName = applicationName
        self.usesPreparedStatements = usesPreparedStatements
    }

    /// The URL with any password replaced by `***`, safe for logs.
    public var redacted: String {
        guard var components = URLComponents(string: url) else { return "postgres://***" }
        if components.password != nil { components.password = "***" }
        return components.string ?? "postgres://***"
    }
}
