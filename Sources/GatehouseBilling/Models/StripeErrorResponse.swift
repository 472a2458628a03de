/// Stripe's error body: `{"error": {"type", "code", "message", "param", "decline_code"}}`.
public struct StripeErrorResponse: Codable, Sendable, Equatable {
    public struct Detail: Codable, Sendable, Equatable {
        public var type: String
        public var code: String?
        public var message: String?
        public var param: String?
        public var declineCode: String?

        public init(type: String, code: String? = nil, message: String? = nil, param: String? = nil, declineCode: String? = nil) {
            self.type = type
            self.code = code
            self.message = message
            self.param = param
            self.declineCode = declineCode
        }

        enum CodingKeys: String, CodingKey {
            case type, code, message, param
            case declineCode = "decline_code"
        }
    }

    public var error: Detail

    public init(error: Detail) {
        self.error = error
    }
}
