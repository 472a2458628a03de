import Foundation
import GatehouseCore
import GatehouseStore

/// The audit log: a tenant's own events for its owners and admins, every event for operators.
/// Who may call is declared in openapi.yaml (`x-roles: [owner, admin]`, `x-auth: master`).
extension GatehouseService {
    /// GET /api/v2/audit-events
    func auditEventsList(_ input: Operations.AuditEventsList.Input) async throws -> Operations.AuditEventsList.Output {
        let query = input.query
        let filter = try Self.auditFilter(action: query.action, actorID: query.actorId, since: query.since)
        let page = try await auditEvents.list(
            tenantID: try Self.currentTenant(), filter, limit: try KeysetPaging.limit(query.limit),
            before: try KeysetPaging.position(query.cursor))
        return .ok(.init(body: .json(Self.auditEventList(page))))
    }

    /// GET /api/v2/admin/audit-events
    func adminAuditEventsList(_ input: Operations.AdminAuditEventsList.Input) async throws
        -> Operations.AdminAuditEventsList.Output {
        let query = input.query
        let filter = try Self.auditFilter(action: query.action, actorID: query.actorId, since: query.since)
        let page = try await auditEvents.listAll(
            filter, limit: try KeysetPaging.limit(query.limit), before: try KeysetPaging.position(query.cursor))
        return .ok(.init(body: .json(Self.auditEventList(page))))
    }

    static func auditFilter(action: String?, actorID: String?, since: Date?) throws -> AuditEventFilter {
        var id: UUID?
        if let actorID {
            guard let parsed = UUID(uuidString: actorID) else {
                throw GatehouseError.invalidRequest("actor_id must be a UUID.", field: "actor_id")
            }
            id = parsed
        }
        if let action, action.isEmpty || action.count > 64 {
            throw GatehouseError.invalidRequest("action must be 1 to 64 characters.", field: "action")
        }
        return AuditEventFilter(action: action, actorID: id, since: since)
    }

    static func auditEventList(_ page: (items: [(record: AuditEventRecord, position: KeysetPosition)], hasMore: Bool))
        -> AuditEventListBody {
        AuditEventListBody(
            items: page.items.map { item in
                let record = item.record
                return .init(
                    id: record.id.uuidString.lowercased(), tenantID: record.tenantID?.uuidString.lowercased(),
                    actorType: record.actorType, actorID: record.actorID?.uuidString.lowercased(), action: record.action,
                    targetType: record.targetType, targetID: record.targetID, ip: record.ip,
                    userAgent: record.userAgent, requestID: record.requestID,
                    changes: (try? JSONValue.parse(record.changesJSON.utf8)) ?? .object([:]), createdAt: record.createdAt)
            },
            nextCursor: page.hasMore ? page.items.last?.position.cursor : nil)
    }
}
