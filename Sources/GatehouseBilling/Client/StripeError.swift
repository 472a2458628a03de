/// A failed Stripe call: Stripe's own error (`{"error": {type, code, message, param}}`) with its
/// HTTP status, or a transport failure (no answer, timeout, an answer that is not Stripe's JSON).
public struct StripeError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, coarse enough to decide what to do about it.
    public enum Kind: String, Sendable, Equatable {
        /// 400 `invalid_request_error`: a parameter is wrong or missing.
        case invalidRequest
        /// 400 `idempotency_error`: the key was used before with other parameters.
        case idempotency
        /// 401: the secret key is missing or wrong.
        case authentication
        /// 402 `card_error`: the card was declined.
        case card
        /// 403: the key may not do this.
        case permission
        /// 404: no such object.
        case notFound
        /// 409 or 429: too many requests or a conflicting concurrent one.
        case rateLimited
        /// 5xx: Stripe's side failed (after the retries).
        case api
        /// No answer: connection refused or lost (after the retries).
        case connection
        /// No answer in time (after the retries).
        case timeout
        /// An answer that is not Stripe's JSON.
        case invalidResponse
    }

    public let kind: Kind
    /// The HTTP status, when there was an answer.
    public let httpStatus: Int?
    /// Stripe's `error.type`, e.g. `invalid_request_error`.
    public let type: String?
    /// Stripe's `error.code`, e.g. `resource_missing`.
    public let code: String?
    /// Stripe's `error.message`, or what happened on the way.
    public let message: String
    /// Stripe's `error.param`: the parameter at fault.
    public let param: String?
    /// Stripe's `Request-Id` header, for support.
    public let requestID: String?

    public init(kind: Kind, httpStatus: Int? = nil, type: String? = nil, code: String? = nil,
                message: String, param: String? = nil, requestID: String? = nil) {
        self.kind = kind
        self.httpStatus = httpStatus
        self.type = type
        self.code = code
        self.message = message
        self.param = param
        self.requestID = requestID
    }

    /// Stripe's error answer with its status.
    init(status: Int, body: StripeErrorResponse, requestID: String?) {
        let detail = body.error
        let kind: Kind = switch (status, detail.type) {
        case (_, "idempotency_error"): .idempotency
        case (_, "card_error"), (402, _): .card
        case (401, _): .authentication
        case (403, _): .permission
        case (404, _): .notFound
        case (409, _), (429, _): .rateLimited
        case (500..., _): .api
        default: .invalidRequest
        }
        self.init(kind: kind, httpStatus: status, type: detail.type, code: detail.code,
                  message: detail.message ?? "Stripe answered \(status)", param: detail.param, requestID: requestID)
    }

    public var description: String {
        var text = "Stripe \(kind.rawValue) error"
        if let httpStatus { text += " (HTTP \(httpStatus)" + (code.map { ", \($0)" } ?? "") + ")" }
        text += ": \(message)"
        if let param { text += " [param \(param)]" }
        return text
    }
}
