/// The fields an operator's update sets; nil leaves a field as it is. For the per-class rate
/// limits, 0 means "no cap" (stored as NULL).
public struct ManagedKeyChanges: Sendable, Equatable {
    public var name: String?
    public var rateLimitGeneral: Int?
    public var rateLimitMessages: Int?
    public var rateLimitSessions: Int?
    public var maxSessions: Int?
    public var metadataJSON: String?

    public init(
        name: String? = nil, rateLimitGeneral: Int? = nil, rateLimitMessages: Int? = nil,
        rateLimitSessions: Int? = nil, maxSessions: Int? = nil, metadataJSON: String? = nil
    ) {
        self.name = name
        self.rateLimitGeneral = rateLimitGeneral
        self.rateLimitMessages = rateLimitMessages
        self.rateLimitSessions = rateLimitSessions
        self.maxSessions = maxSessions
        self.metadataJSON = metadataJSON
    }
}
