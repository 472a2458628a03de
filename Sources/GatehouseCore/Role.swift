/// A user's role in their tenant. owner and admin hold every scope; member holds the `:read`
/// scopes and `messages:send`.
public enum Role: String, Sendable, CaseIterable, Codable {
    case owner
    case admin
    case member

    public var scopes: Set<Scope> {
        switch self {
        case .owner, .admin:
            Set(Scope.allCases)
        case .member:
            Set(Scope.allCases.filter { $0.rawValue.hasSuffix(":read") } + [.messagesSend])
        }
    }

    /// owner and admin may manage the tenant (settings, approvals, keys).
    public var isManager: Bool { self != .member }
}
