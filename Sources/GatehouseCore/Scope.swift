/// A permission an API key or a role carries. Unknown scope strings are refused (422).
public enum Scope: String, Sendable, CaseIterable, Codable, Comparable {
    case accountManage = "account:manage"
    case settingsRead = "settings:read"
    case settingsManage = "settings:manage"
    case usageRead = "usage:read"
    case billingRead = "billing:read"
    case billingManage = "billing:manage"
    case sessionsRead = "sessions:read"
    case sessionsManage = "sessions:manage"
    case messagesSend = "messages:send"
    case keysVerify = "keys:verify"
    case usageWrite = "usage:write"

    public static func < (lhs: Scope, rhs: Scope) -> Bool { lhs.rawValue < rhs.rawValue }
}
