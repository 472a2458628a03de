import Foundation

/// One entry of the append-only consent ledger.
public struct ConsentRecord: Sendable, Equatable {
    public var id: UUID
    public var consentType: String
    public var version: String
    public var granted: Bool
    public var userID: UUID?
    public var ip: String?
    public var userAgent: String?
    public var createdAt: Date

    public init(id: UUID, consentType: String, version: String, granted: Bool, userID: UUID?, ip: String?,
                userAgent: String?, createdAt: Date) {
        self.id = id
        self.consentType = consentType
        self.version = version
        self.granted = granted
        self.userID = userID
        self.ip = ip
        self.userAgent = userAgent
        self.createdAt = createdAt
    }
}
