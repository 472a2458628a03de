import Foundation
import GatehouseCore

extension AccountRepository {
    /// `updateFullName` without an audit event, for callers that record the change themselves
    /// or not at all. Prefer passing the request's event.
    public func updateFullName(userID: UUID, tenantID: UUID, fullName: String) async throws -> UserRecord? {
        try await updateFullName(userID: userID, tenantID: tenantID, fullName: fullName, audit: nil)
    }

    /// `revokeSession` without an audit event (a session ended by the system, or a caller that
    /// records it itself). Prefer passing the request's event.
    @discardableResult
    public func revokeSession(sessionID: UUID, tenantID: UUID, reason: String) async throws -> Bool {
        try await revokeSession(sessionID: sessionID, tenantID: tenantID, reason: reason, audit: nil)
    }

    /// `revokeAllSessions` without an audit event. Prefer passing the request's event.
    @discardableResult
    public func revokeAllSessions(userID: UUID, tenantID: UUID, reason: String) async throws -> Int {
        try await revokeAllSessions(userID: userID, tenantID: tenantID, reason: reason, audit: nil)
    }
}
