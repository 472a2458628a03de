/// The one error type handlers throw to answer a client. Everything in it is public-safe:
/// the error middleware renders it as `application/problem+json`. Any other error becomes
/// a 500 `internal` whose cause is logged, never sent.
public struct GatehouseError: Error, Sendable {
    public var code: ErrorCode
    /// A message for the client. Never put internals (SQL, stack traces, secrets) here.
    public var detail: String
    /// Field-level problems for `validation_failed` (and named fields for `invalid_request`).
    public var fieldErrors: [FieldError]
    /// Extra members of the problem document (e.g. `retry_after_ms`, `period_used`).
    public var extensions: [String: ProblemValue]
    /// Extra response headers (e.g. `Retry-After`).
    public var headers: [String: String]

    public init(
        _ code: ErrorCode,
        _ detail: String,
        fieldErrors: [FieldError] = [],
        extensions: [String: ProblemValue] = [:],
        headers: [String: String] = [:]
    ) {
        self.code = code
        self.detail = detail
        self.fieldErrors = fieldErrors
        self.extensions = extensions
        self.headers = headers
    }

    public struct FieldError: Sendable, Equatable, Codable {
        public var field: String
        public var message: String
        public init(field: String, message: String) {
            self.field = field
            self.message = message
        }
    }

    public static func notFound(_ what: String = "resource") -> Self {
        .init(.notFound, "The \(what) does not exist.")
    }

    public static func validation(_ field: String, _ message: String) -> Self {
        .init(.validationFailed, "\(field): \(message)", fieldErrors: [.init(field: field, message: message)])
    }

    public static func invalidRequest(_ detail: String, field: String? = nil) -> Self {
        .init(.invalidRequest, detail, fieldErrors: field.map { [.init(field: $0, message: detail)] } ?? [])
    }

    public static let unauthorized = Self(.unauthorized, "Authentication is required.")
}

/// A JSON value carried in a problem document's extension members.
public enum ProblemValue: Sendable, Equatable {
    case string(String)
    case int(Int)
}
