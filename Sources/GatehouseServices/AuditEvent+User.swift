import Foundation
import GatehouseCore
import GatehouseStore

extension AuditEvent {
    /// `action` on `user`, done by that user from `client`: through a one-time link from their
    /// mail (no credential but the token), or signed in where the caller has no request scope
    /// (the console).
    static func byUser(_ action: String, user: UUID, client: ClientOrigin, changes: [String: AuditValue]) -> AuditEvent {
        AuditEvent(actor: AuditActor(kind: .user, id: user, ip: client.ip, userAgent: client.userAgent, requestID: client.requestID),
                   action: action, targetType: "user", targetID: user.uuidString.lowercased(), changes: changes)
    }

    /// The first proof of ownership of a never-verified address (`user.email_ownership_proven`),
    /// and what it undid.
    static func emailOwnershipProven(_ proof: EmailOwnershipProof, user: UUID, via: String, client: ClientOrigin) -> AuditEvent {
        byUser("user.email_ownership_proven", user: user, client: client, changes: [
            "via": .string(via), "password_cleared": .bool(proof.passwordCleared),
            "sessions_revoked": .int(proof.sessionsEnded), "api_keys_revoked": .int(proof.apiKeysRevoked),
        ])
    }
}
