import Foundation
import GatehouseCore
import Postgres

/// Appends audit events inside the caller's transaction, so an event is written exactly when
/// the change it describes commits. Inside `withTenant` the row belongs to that tenant (the
/// server role may only insert its current tenant's rows); platform rows (`tenantID` nil) can
/// be written only by the owner role (the command line).
public enum AuditLog {
    public static func append(_ event: AuditEvent, tenantID: UUID?, in session: PostgresSession) async throws {
        try await session.execute("""
            INSERT INTO audit_events (tenant_id, actor_type, actor_id, action, target_type, target_id,
                                      ip, user_agent, request_id, changes)
            VALUES (\(tenantID), \(event.actor.kind.rawValue), \(event.actor.id), \(event.action),
                    \(event.targetType), \(event.targetID), \(event.actor.ip), \(event.actor.userAgent),
                    \(event.actor.requestID), \(PostgresJSON(text: event.changesJSON)))
            """)
    }
}
