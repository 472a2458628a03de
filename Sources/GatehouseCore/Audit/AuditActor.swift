import Foundation

/// Who made a change, and from where: what every audit event records besides the change.
public struct AuditActor: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable, Codable {
        case user
        case apiKey = "api_key"
        case masterKey = "master_key"
        /// The command line or the server itself (no credential).
        case system
    }

    public var kind: Kind
    /// The user, key or master key; nil for `system`.
    public var id: UUID?
    public var ip: String?
    public var userAgent: String?
    public var requestID: String?

    public init(kind: Kind, id: UUID?, ip: String? = nil, userAgent: String? = nil, requestID: String? = nil) {
        self.kind = kind
        self.id = kind == .system ? nil : id
        self.ip = ip
        self.userAgent = userAgent
        self.requestID = requestID
    }

    /// The actor behind a verified principal (nil: no credential, the system).
    public init(_ principal: Principal?, ip: String?, userAgent: String?, requestID: String?) {
        switch principal {
        case .user(let user)?: self.init(kind: .user, id: user.userID, ip: ip, userAgent: userAgent, requestID: requestID)
        case .apiKey(let key)?: self.init(kind: .apiKey, id: key.keyID, ip: ip, userAgent: userAgent, requestID: requestID)
        case .master(let master)?: self.init(kind: .masterKey, id: master.id, ip: ip, userAgent: userAgent, requestID: requestID)
        case nil: self.init(kind: .system, id: nil, ip: ip, userAgent: userAgent, requestID: requestID)
        }
    }

    /// The command line (`gatehouse admin …`).
    public static let system = AuditActor(kind: .system, id: nil)
}
