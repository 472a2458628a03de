import Foundation

/// What a one-time token may be used for, and how long it lives.
public enum OneTimeTokenPurpose: String, Sendable, CaseIterable {
    case verifyEmail = "verify_email"
    case resetPassword = "reset_password"
    case magicLink = "magic_link"

    public var lifetime: TimeInterval {
        switch self {
        case .verifyEmail: 24 * 3600
        case .resetPassword: 30 * 60
        case .magicLink: 15 * 60
        }
    }
}
