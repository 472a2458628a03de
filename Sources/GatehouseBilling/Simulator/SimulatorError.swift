import GatehouseCore

/// A simulator answer in Stripe's error shape: `{"error": {type, code, message, param}}`.
struct SimulatorError: Error, Sendable {
    let status: Int
    let type: String
    let code: String?
    let message: String
    let param: String?
    let declineCode: String?

    init(status: Int, type: String, code: String? = nil, message: String, param: String? = nil, declineCode: String? = nil) {
        self.status = status
        self.type = type
        self.code = code
        self.message = message
        self.param = param
        self.declineCode = declineCode
    }

    static func invalidRequest(_ message: String, param: String? = nil, code: String? = nil) -> Self {
        Self(status: 400, type: "invalid_request_error", code: code ?? (param == nil ? nil : "parameter_invalid"),
             message: message, param: param)
    }

    static func missing(_ param: String) -> Self {
        Self(status: 400, type: "invalid_request_error", code: "parameter_missing",
             message: "Missing required param: \(param).", param: param)
    }

    /// A missing object: 404 when it is the one the path names, 400 when a parameter names it.
    static func noSuch(_ object: String, _ id: String, param: String = "id") -> Self {
        Self(status: param == "id" ? 404 : 400, type: "invalid_request_error", code: "resource_missing",
             message: "No such \(object): '\(id)'", param: param)
    }

    static let missingAPIKey = Self(
        status: 401, type: "invalid_request_error",
        message: "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').")

    static let invalidAPIKey = Self(
        status: 401, type: "invalid_request_error", code: "api_key_invalid",
        message: "Invalid API Key provided: the Stripe simulator accepts any key that starts with sk_ or rk_.")

    static func idempotencyMismatch(_ key: String) -> Self {
        Self(status: 400, type: "idempotency_error",
             message: "Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '\(key)' if you meant to execute a different request.")
    }

    static func idempotencyInProgress(_ key: String) -> Self {
        Self(status: 409, type: "idempotency_error", code: "idempotency_key_in_use",
             message: "There is currently another in-progress request using this Idempotent Key (\(key)); try again later.")
    }

    static func injectedFault(_ status: Int) -> Self {
        Self(status: status, type: "api_error", message: "Injected fault: the simulator was told to fail this request (status \(status)).")
    }

    static let internalError = Self(status: 500, type: "api_error", message: "An unexpected error occurred in the Stripe simulator.")

    /// The JSON body.
    var body: JSONValue {
        var detail: [String: JSONValue] = ["type": .string(type), "message": .string(message)]
        if let code { detail["code"] = .string(code) }
        if let param { detail["param"] = .string(param) }
        if let declineCode { detail["decline_code"] = .string(declineCode) }
        return ["error": .object(detail)]
    }
}
