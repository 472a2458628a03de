/// Turning a trial key into a paid one: the new type and limits (nil = the paid defaults).
public struct ManagedKeyConversion: Sendable, Equatable {
    public var type: String
    public var rateLimitGeneral: Int?
    public var rateLimitMessages: Int?
    public var maxSessions: Int?

    public init(type: String, rateLimitGeneral: Int? = nil, rateLimitMessages: Int? = nil, maxSessions: Int? = nil) {
        self.type = type
        self.rateLimitGeneral = rateLimitGeneral
        self.rateLimitMessages = rateLimitMessages
        self.maxSessions = maxSessions
    }
}
