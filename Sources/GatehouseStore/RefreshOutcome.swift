import Foundation

/// The result of presenting a refresh token.
public enum RefreshOutcome: Sendable {
    /// Rotated (or, inside the grace period, the same successor again): sign in `user` on `sessionID`.
    case rotated(user: UserRecord, sessionID: UUID)
    /// Unknown token, or its session has ended.
    case invalid
    case expired
    /// Used before, outside the grace: the whole session has now been revoked.
    case reused
}
