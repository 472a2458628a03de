import Foundation

/// What completing a signup checkout did.
public enum SignupCompletion: Sendable, Equatable {
    /// Tenant, owner and paid subscription were created, and the sign-in link queued.
    case created(tenantID: UUID, userID: UUID)
    /// The event was applied before: nothing changed.
    case duplicate
    /// Not a pending signup checkout (unknown, or completed already).
    case notPending
}
