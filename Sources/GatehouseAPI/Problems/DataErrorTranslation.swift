import GatehouseCore
import Postgres

/// The database refused a value of the request (SQLSTATE class 22, data exception) or a row
/// built from it (class 23, integrity constraint): the client's input was bad, so the answer is
/// a 4xx naming the field where the constraint tells it, never a 500. Handlers check their
/// input first; this is the backstop for whatever slips through. The server's message is not
/// sent (it may quote internals); a fixed description of the SQLSTATE is.
enum DataErrorTranslation {
    /// Tables whose constraint names (`<table>_<column>_check`, Postgres' default naming)
    /// give away the column, longest first so `usage_log` wins over a shorter prefix.
    static let tables = [
        "messaging_sessions", "tenant_settings", "consent_ledger", "audit_events", "usage_daily", "usage_log",
        "meter_events", "subscriptions", "api_keys", "messages", "tenants", "users",
    ]

    static func problem(for error: PostgresError) -> GatehouseError {
        let sqlState = error.sqlState ?? ""
        if error.isUniqueViolation {
            return GatehouseError(.conflict, "The request conflicts with an existing resource.")
        }
        let what = description(of: sqlState)
        if let field = field(fromConstraint: error.constraint) {
            return .validation(field, what)
        }
        return .invalidRequest("A value in the request cannot be accepted: \(what).")
    }

    /// `api_keys_name_check` → `name`.
    static func field(fromConstraint constraint: String?) -> String? {
        guard let constraint else { return nil }
        for suffix in ["_check", "_fkey", "_not_null"] where constraint.hasSuffix(suffix) {
            let stem = constraint.dropLast(suffix.count)
            for table in tables where stem.hasPrefix(table + "_") {
                let column = stem.dropFirst(table.count + 1)
                return column.isEmpty ? nil : String(column)
            }
        }
        return nil
    }

    static func description(of sqlState: String) -> String {
        switch sqlState {
        case "22001": "a text value is too long"
        case "22003": "a number is out of range"
        case "22007", "22008": "a date or time is not valid"
        case "22021", "22P05": "a text value holds a character that cannot be stored"
        case "22P02": "a value has an invalid format"
        case "23502": "a required value is missing"
        case "23503": "it refers to something that does not exist"
        case "23514": "a value is outside the allowed range"
        default: sqlState.hasPrefix("23") ? "it breaks a data rule" : "a value is not valid"
        }
    }
}
