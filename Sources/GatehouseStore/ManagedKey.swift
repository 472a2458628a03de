import Foundation

/// A tenant API key as the operator sees it through `/admin`: limits, trial state and counters,
/// never its hash.
public struct ManagedKey: Sendable, Equatable {
    public var id: UUID
    public var tenantID: UUID
    public var name: String
    public var keyPrefix: String
    /// `standard` or `premium` (a trial key is `standard` with `isTrial`).
    public var type: String
    public var isAdmin: Bool
    public var isActive: Bool
    public var isTrial: Bool
    public var trialExpiresAt: Date?
    public var allowedNumbers: [String]
    /// Requests per minute; 0 = no cap.
    public var rateLimitGeneral: Int
    /// Messages per minute; nil = no cap.
    public var rateLimitMessages: Int?
    /// Sessions created per hour; nil = no cap.
    public var rateLimitSessions: Int?
    /// Live sessions the key may hold; nil = no per-key cap (the plan's still applies).
    public var maxSessions: Int?
    /// The operator's metadata, as JSON object text.
    public var metadataJSON: String
    public var messagesSent: Int
    public var sessionsCreated: Int
    public var createdAt: Date
    public var lastUsedAt: Date?
    public var revokedAt: Date?

    public init(
        id: UUID, tenantID: UUID, name: String, keyPrefix: String, type: String, isAdmin: Bool,
        isActive: Bool, isTrial: Bool, trialExpiresAt: Date?, allowedNumbers: [String],
        rateLimitGeneral: Int, rateLimitMessages: Int?, rateLimitSessions: Int?, maxSessions: Int?,
        metadataJSON: String, messagesSent: Int, sessionsCreated: Int, createdAt: Date,
        lastUsedAt: Date?, revokedAt: Date?
    ) {
        self.id = id
        self.tenantID = tenantID
        self.name = name
        self.keyPrefix = keyPrefix
        self.type = type
        self.isAdmin = isAdmin
        self.isActive = isActive
        self.isTrial = isTrial
        self.trialExpiresAt = trialExpiresAt
        self.allowedNumbers = allowedNumbers
        self.rateLimitGeneral = rateLimitGeneral
        self.rateLimitMessages = rateLimitMessages
        self.rateLimitSessions = rateLimitSessions
        self.maxSessions = maxSessions
        self.metadataJSON = metadataJSON
        self.messagesSent = messagesSent
        self.sessionsCreated = sessionsCreated
        self.createdAt = createdAt
        self.lastUsedAt = lastUsedAt
        self.revokedAt = revokedAt
    }
}
