import Foundation

/// Who changed a consent setting, from where: what the ledger records with each entry.
public struct ConsentActor: Sendable, Equatable {
    /// The user; nil when the change was made with an API key.
    public var userID: UUID?
    public var ip: String?
    public var userAgent: String?

    public init(userID: UUID?, ip: String?, userAgent: String?) {
        self.userID = userID
        self.ip = ip
        self.userAgent = userAgent
    }
}
