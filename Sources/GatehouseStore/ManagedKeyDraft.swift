import Foundation

/// A key the operator creates: the secret arrives already hashed.
public struct ManagedKeyDraft: Sendable {
    /// The customer's tenant; nil makes a new tenant (plan `free`) named `newTenantName`.
    public var tenantID: UUID?
    public var newTenantName: String
    public var name: String
    /// HMAC-SHA256(`KEY_PEPPER`, raw key).
    public var keyHash: Data
    public var keyPrefix: String
    public var type: String
    public var scopes: [String]
    public var isAdmin: Bool
    /// Trial keys expire this many days after creation; nil for paid keys.
    public var trialDays: Int?
    public var allowedNumbers: [String]
    public var rateLimitGeneral: Int
    /// nil = no cap.
    public var rateLimitMessages: Int?
    /// nil = no cap.
    public var rateLimitSessions: Int?
    public var maxSessions: Int?
    public var metadataJSON: String

    public init(
        tenantID: UUID?, newTenantName: String, name: String, keyHash: Data, keyPrefix: String,
        type: String, scopes: [String], isAdmin: Bool, trialDays: Int?, allowedNumbers: [String],
        rateLimitGeneral: Int, rateLimitMessages: Int?, rateLimitSessions: Int?, maxSessions: Int?,
        metadataJSON: String
    ) {
        self.tenantID = tenantID
        self.newTenantName = newTenantName
        self.name = name
        self.keyHash = keyHash
        self.keyPrefix = keyPrefix
        self.type = type
        self.scopes = scopes
        self.isAdmin = isAdmin
        self.trialDays = trialDays
        self.allowedNumbers = allowedNumbers
        self.rateLimitGeneral = rateLimitGeneral
        self.rateLimitMessages = rateLimitMessages
        self.rateLimitSessions = rateLimitSessions
        self.maxSessions = maxSessions
        self.metadataJSON = metadataJSON
    }
}
