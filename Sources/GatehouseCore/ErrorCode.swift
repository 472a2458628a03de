/// The stable, snake_case `error` codes of the API contract, each with its HTTP status.
public enum ErrorCode: String, Sendable, CaseIterable {
    case invalidRequest = "invalid_request"
    case unauthorized
    case invalidCredentials = "invalid_credentials"
    case tokenExpired = "token_expired"
    case refreshTokenReused = "refresh_token_reused"
    case trialExpired = "trial_expired"
    case forbidden
    case insufficientScope = "insufficient_scope"
    case emailNotVerified = "email_not_verified"
    case numberNotAllowed = "number_not_allowed"
    case notFound = "not_found"
    case conflict
    case maxSessionsReached = "max_sessions_reached"
    case validationFailed = "validation_failed"
    case spendLimitExceeded = "spend_limit_exceeded"
    case planLimitExceeded = "plan_limit_exceeded"
    case rateLimited = "rate_limited"
    case serviceUnavailable = "service_unavailable"
    case `internal`

    public var status: Int {
        switch self {
        case .invalidRequest: 400
        case .unauthorized, .invalidCredentials, .tokenExpired, .refreshTokenReused, .trialExpired: 401
        case .spendLimitExceeded, .planLimitExceeded: 402
        case .forbidden, .insufficientScope, .emailNotVerified, .numberNotAllowed: 403
        case .notFound: 404
        case .conflict, .maxSessionsReached: 409
        case .validationFailed: 422
        case .rateLimited: 429
        case .internal: 500
        case .serviceUnavailable: 503
        }
    }

    /// The short human title of the problem document.
    public var title: String {
        switch self {
        case .invalidRequest: "Invalid request"
        case .unauthorized: "Unauthorized"
        case .invalidCredentials: "Invalid credentials"
        case .tokenExpired: "Token expired"
        case .refreshTokenReused: "Refresh token reused"
        case .trialExpired: "Trial expired"
        case .forbidden: "Forbidden"
        case .insufficientScope: "Insufficient scope"
        case .emailNotVerified: "Email not verified"
        case .numberNotAllowed: "Number not allowed"
        case .notFound: "Not found"
        case .conflict: "Conflict"
        case .maxSessionsReached: "Maximum sessions reached"
        case .validationFailed: "Validation failed"
        case .spendLimitExceeded: "Spend limit exceeded"
        case .planLimitExceeded: "Plan limit exceeded"
        case .rateLimited: "Rate limited"
        case .serviceUnavailable: "Service unavailable"
        case .internal: "Internal error"
        }
    }
}
