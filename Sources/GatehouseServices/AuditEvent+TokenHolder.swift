import Foundation
import GatehouseCore
import GatehouseStore

extension AuditEvent {
    /// `action` on `user`, done by that user through a one-time link from their mail (no
    /// credential but the token).
    static func byTokenHolder(_ action: String, user: UUID, client: ClientOrigin, changes: [String: AuditValue]) -> AuditEvent {
        AuditEvent(actor: AuditActor(kind: .user, id: user, ip: client.ip, userAgent: client.userAgent, requestID: client.requestID),
                   action: action, targetType: "user", targetID: user.uuidString.lowercased(), changes: changes)
    }

    /// The first proof of ownership of a never-verified address (`user.email_ownership_proven`),
    /// and what it undid.
    static func emailOwnershipProven(_ proof: EmailOwnershipProof, user: UUID, via: String, client: ClientOrigin) -> AuditEvent {
        byTokenHolder("user.email_ownership_proven", user: user, client: client, changes: [
            "via": .string(via), "password_cleared": .bool(proof.passwordCleared),
            "sessions_revoked": .int(proof.sessionsEnded), "api_keys_revoked": .int(proof.apiKeysRevoked),
        ])
    }
}
