/// An error from the Postgres layer. Carries the server's SQLSTATE and message for logs;
/// never render `serverMessage` or `detail` to an API client.
public struct PostgresError: Error, Sendable, CustomStringConvertible {
    private enum Kind: Sendable, Equatable {
        case connectionFailed
        case connectionClosed
        case queryFailed
        case decoding
        case poolTimeout
        case poolShutdown
        case poolExhausted
        case invalidConfiguration
        case invalidParameter
    }

    private let kind: Kind
    /// SQLSTATE five-character code when the server reported one (e.g. `23505`).
    public let sqlState: String?
    /// The server's (or libpq's) message. Internal: log it, do not send it to clients.
    public let serverMessage: String
    /// The server's DETAIL field, if any.
    public let detail: String?
    /// The constraint the server named, if any (unique or check violations).
    public let constraint: String?

    private init(_ kind: Kind, message: String, sqlState: String? = nil, detail: String? = nil, constraint: String? = nil) {
        self.kind = kind
        self.serverMessage = message
        self.sqlState = sqlState
        self.detail = detail
        self.constraint = constraint
    }

    static func connectionFailed(_ message: String) -> Self { .init(.connectionFailed, message: message) }
    static func connectionClosed(_ message: String) -> Self { .init(.connectionClosed, message: message) }
    static func queryFailed(message: String, sqlState: String?, detail: String?, constraint: String?) -> Self {
        .init(.queryFailed, message: message, sqlState: sqlState, detail: detail, constraint: constraint)
    }
    static func decoding(_ message: String) -> Self { .init(.decoding, message: message) }
    static var poolTimeout: Self { .init(.poolTimeout, message: "timed out waiting for a database connection") }
    static var poolShutdown: Self { .init(.poolShutdown, message: "the connection pool is shut down") }
    static var poolExhausted: Self { .init(.poolExhausted, message: "too many requests are waiting for a database connection") }
    static func invalidConfiguration(_ message: String) -> Self { .init(.invalidConfiguration, message: message) }
    /// A bound value Postgres cannot hold, refused before it is sent. Carries SQLSTATE 22021
    /// (character_not_in_repertoire), the code the server uses for text it cannot store, so
    /// callers treat it like the server's own data errors.
    static func invalidParameter(_ message: String) -> Self {
        .init(.invalidParameter, message: message, sqlState: "22021")
    }

    /// The connection is unusable (network error, server restart); the pool replaces it.
    public var isConnectionLost: Bool { kind == .connectionClosed || kind == .connectionFailed }
    /// A connection that was open died under its statement (closed by the server or the
    /// network), as opposed to one that could not be opened (`connectionFailed`, for which the
    /// pool has already waited). A read that fails so may be sent again on a fresh connection.
    public var isConnectionDropped: Bool { kind == .connectionClosed }
    /// A connection failure that waiting can cure (refused, the server starting up or shutting
    /// down, a dropped connection), unlike a wrong password or a missing database.
    public var mayBeTransient: Bool {
        guard isConnectionLost else { return false }
        let permanent = ["password authentication failed", "does not exist", "no pg_hba.conf entry", "invalid"]
        return !permanent.contains { serverMessage.contains($0) }
    }
    /// The pool could not hand out a connection in time, or has too many waiters: back-pressure.
    public var isPoolUnavailable: Bool { kind == .poolTimeout || kind == .poolExhausted || kind == .poolShutdown }
    /// A decode of a returned value failed (a programming error or schema drift).
    public var isDecoding: Bool { kind == .decoding }

    /// SQLSTATE class 22: the data itself is invalid (out of range, bad format, NUL in text...).
    public var isDataException: Bool { sqlState?.hasPrefix("22") ?? false }
    /// SQLSTATE class 23: an integrity constraint refused the row.
    public var isIntegrityViolation: Bool { sqlState?.hasPrefix("23") ?? false }

    /// SQLSTATE class 23: integrity constraint violation.
    public var isUniqueViolation: Bool { sqlState == "23505" }
    public var isForeignKeyViolation: Bool { sqlState == "23503" }
    public var isCheckViolation: Bool { sqlState == "23514" }
    /// 42501: insufficient privilege, also raised when RLS `WITH CHECK` rejects a row.
    public var isInsufficientPrivilege: Bool { sqlState == "42501" }
    /// 40001 / 40P01: the transaction may be retried.
    public var isSerializationFailure: Bool { sqlState == "40001" || sqlState == "40P01" }

    public var description: String {
        var text = "PostgresError(\(kind)"
        if let sqlState { text += ", sqlState: \(sqlState)" }
        text += ", message: \(serverMessage)"
        if let detail { text += ", detail: \(detail)" }
        return text + ")"
    }
}
