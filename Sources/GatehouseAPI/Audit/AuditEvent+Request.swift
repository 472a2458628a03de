public import Foundation
public import GatehouseCore

extension AuditActor {
    /// The current request's actor: its verified principal, client IP, user agent and request id.
    public static var currentRequest: AuditActor {
        let scope = RequestScope.current
        return AuditActor(scope?.principal, ip: scope?.clientIP, userAgent: scope?.userAgent, requestID: scope?.requestID)
    }
}

extension AuditEvent {
    /// `action` done by the current request's actor, e.g.
    /// `.byRequest("api_key.revoke")` or `.byRequest("tenant_settings.update", on: ("tenant", id), changes: […])`.
    /// Hand it to the repository that makes the change, which appends it in the same transaction
    /// (and fills in the target of something it creates).
    public static func byRequest(_ action: String, on target: (type: String, id: UUID)? = nil,
                                 changes: [String: AuditValue] = [:]) -> AuditEvent {
        AuditEvent(actor: .currentRequest, action: action, targetType: target?.type,
                   targetID: target?.id.uuidString.lowercased(), changes: changes)
    }
}
