import Foundation
import GatehouseCore
import Hummingbird
import OpenAPIRuntime
import Postgres

/// Turns anything a request can throw into the public error it answers with. Internal causes
/// (SQL, library errors) are returned separately so they can be logged, never sent.
enum ErrorTranslation {
    struct Outcome {
        var error: GatehouseError
        var status: Int? = nil
        /// Set when the cause is internal and must be logged at error level.
        var internalCause: (any Error)? = nil
    }

    static func translate(_ error: any Error) -> Outcome {
        switch error {
        case let error as GatehouseError:
            return Outcome(error: error)
        case let error as ServerError:
            return translateServerError(error)
        case let error as DecodingError:
            return Outcome(error: decodingProblem(error))
        case let error as PostgresError where error.isPoolUnavailable || error.isConnectionLost:
            return Outcome(
                error: GatehouseError(.serviceUnavailable, "The service is temporarily unavailable; retry shortly.",
                                      headers: ["Retry-After": "1"]),
                internalCause: error)
        case let error as PostgresError where error.isDataException || error.isIntegrityViolation:
            return Outcome(error: DataErrorTranslation.problem(for: error))
        case let error as HTTPError:
            return translateHTTPError(error)
        default:
            return Outcome(error: GatehouseError(.internal, "An internal error occurred."), internalCause: error)
        }
    }

    private static func translateServerError(_ error: ServerError) -> Outcome {
        let underlying = error.underlyingError
        if underlying is GatehouseError || underlying is PostgresError || underlying is HTTPError {
            return translate(underlying)
        }
        if let decoding = underlying as? DecodingError {
            return Outcome(error: decodingProblem(decoding))
        }
        // Failed before the handler ran: the request itself could not be read (missing body,
        // wrong content type, bad path or query parameter). Its description is about the request.
        if error.operationInput == nil {
            return Outcome(error: .invalidRequest("The request could not be read: \(error.causeDescription)."))
        }
        return Outcome(error: GatehouseError(.internal, "An internal error occurred."), internalCause: underlying)
    }

    private static func translateHTTPError(_ error: HTTPError) -> Outcome {
        switch error.status {
        case .notFound:
            return Outcome(error: GatehouseError(.notFound, "No such route."))
        case .methodNotAllowed:
            return Outcome(error: .invalidRequest("This method is not allowed on this route."), status: 405)
        case .contentTooLarge:
            return Outcome(error: .invalidRequest("The request body is too large."), status: 413)
        case .unsupportedMediaType:
            return Outcome(error: .invalidRequest("Send the body as application/json."), status: 415)
        default:
            if error.status.code < 500 {
                return Outcome(error: .invalidRequest(error.body ?? "The request is invalid."), status: error.status.code)
            }
            return Outcome(error: GatehouseError(.internal, "An internal error occurred."), internalCause: error)
        }
    }

    /// A body that is not JSON is 400; a JSON body with a missing, mistyped or unknown-enum
    /// field is 422 naming the field.
    static func decodingProblem(_ error: DecodingError) -> GatehouseError {
        func path(_ codingPath: [any CodingKey]) -> String {
            codingPath.map { key in key.intValue.map { "[\($0)]" } ?? key.stringValue }
                .joined(separator: ".").replacingOccurrences(of: ".[", with: "[")
        }
        switch error {
        case .keyNotFound(let key, let context):
            let field = path(context.codingPath + [key])
            return .validation(field, "is required")
        case .typeMismatch(let type, let context):
            return .validation(path(context.codingPath), "has the wrong type (expected \(describe(type)))")
        case .valueNotFound(let type, let context):
            return .validation(path(context.codingPath), "must not be null (expected \(describe(type)))")
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty {
                return .invalidRequest("The body is not valid JSON.")
            }
            return .validation(path(context.codingPath), context.debugDescription)
        @unknown default:
            return .invalidRequest("The body could not be decoded.")
        }
    }

    private static func describe(_ type: Any.Type) -> String {
        let name = String(describing: type)
        if name.contains("String") { return "string" }
        if name.contains("Int") { return "integer" }
        if name.contains("Bool") { return "boolean" }
        if name.contains("Double") || name.contains("Decimal") { return "number" }
        if name.contains("Array") { return "array" }
        return "object"
    }
}
