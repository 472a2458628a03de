import Foundation

/// Who is calling, once credentials are verified.
public enum Principal: Sendable {
    /// A user with a JWT access token of a live session.
    case user(UserIdentity)
    /// A tenant API key (`<prefix>_live_…`), after the hot path admitted the request.
    case apiKey(KeyIdentity)
    /// An operator master key (`<prefix>_admin_…`): platform level, no tenant.
    case master(MasterIdentity)

    /// The tenant whose rows this principal may reach; nil for a master key.
    public var tenantID: UUID? {
        switch self {
        case .user(let user): user.tenantID
        case .apiKey(let key): key.tenantID
        case .master: nil
        }
    }

    public var scopes: Set<Scope> {
        switch self {
        case .user(let user): user.role.scopes
        case .apiKey(let key): key.scopes
        case .master: []
        }
    }
}

public struct UserIdentity: Sendable, Equatable {
    public var userID: UUID
    public var tenantID: UUID
    public var role: Role
    /// The auth session (`sid`): revoking it ends this access token at once.
    public var sessionID: UUID

    public init(userID: UUID, tenantID: UUID, role: Role, sessionID: UUID) {
        self.userID = userID
        self.tenantID = tenantID
        self.role = role
        self.sessionID = sessionID
    }
}

public struct KeyIdentity: Sendable, Equatable {
    public var keyID: UUID
    public var tenantID: UUID
    public var scopes: Set<Scope>
    public var isTrial: Bool
    /// For trial keys: the only recipients allowed.
    public var allowedNumbers: [String]
    /// The user who created the key (self-service keys), if any.
    public var createdByUserID: UUID?

    public init(keyID: UUID, tenantID: UUID, scopes: Set<Scope>, isTrial: Bool = false,
                allowedNumbers: [String] = [], createdByUserID: UUID? = nil) {
        self.keyID = keyID
        self.tenantID = tenantID
        self.scopes = scopes
        self.isTrial = isTrial
        self.allowedNumbers = allowedNumbers
        self.createdByUserID = createdByUserID
    }
}

public struct MasterIdentity: Sendable, Equatable {
    public var id: UUID
    public var name: String

    public init(id: UUID, name: String) {
        self.id = id
        self.name = name
    }
}
