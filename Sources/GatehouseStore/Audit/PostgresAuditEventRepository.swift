import Foundation
import GatehouseCore
import Postgres

/// `AuditEventRepository` over Postgres: a tenant's rows through the tenant door, every row
/// through `platform_admin_list_audit_events`.
public struct PostgresAuditEventRepository: AuditEventRepository {
    let database: Database

    public init(database: Database) {
        self.database = database
    }

    public func record(_ event: AuditEvent, tenantID: UUID) async throws {
        try await database.withTenant(tenantID) { session in
            try await AuditLog.append(event, tenantID: tenantID, in: session)
        }
    }

    public func list(tenantID: UUID, _ filter: AuditEventFilter, limit: Int, before: KeysetPosition?) async throws
        -> (items: [(record: AuditEventRecord, position: KeysetPosition)], hasMore: Bool) {
        let rows = try await database.withTenant(tenantID) { session in
            try await PostgresManagedKeyRepository.mappingBadCursor {
                try await session.query("""
                    SELECT e.*, e.created_at::text AS position_created_at
                      FROM audit_events e
                     WHERE e.tenant_id = \(tenantID)
                       AND (\(filter.action)::text IS NULL OR e.action = \(filter.action))
                       AND (\(filter.actorID)::uuid IS NULL OR e.actor_id = \(filter.actorID))
                       AND (\(filter.since)::timestamptz IS NULL OR e.created_at >= \(filter.since))
                       AND (\(before?.createdAt)::timestamptz IS NULL
                            OR (e.created_at, e.id) < (\(before?.createdAt)::timestamptz, \(before?.id)))
                     ORDER BY e.created_at DESC, e.id DESC
                     LIMIT \(limit + 1)
                    """)
            }
        }
        return try Self.page(rows, limit: limit)
    }

    public func listAll(_ filter: AuditEventFilter, limit: Int, before: KeysetPosition?) async throws
        -> (items: [(record: AuditEventRecord, position: KeysetPosition)], hasMore: Bool) {
        let rows = try await database.withPlatform { session in
            try await PostgresManagedKeyRepository.mappingBadCursor {
                try await session.query("""
                    SELECT e.*, e.created_at::text AS position_created_at
                      FROM platform_admin_list_audit_events(
                               \(filter.action), \(filter.actorID), \(filter.since), \(limit + 1)::integer,
                               \(before?.createdAt)::timestamptz, \(before?.id)) e
                    """)
            }
        }
        return try Self.page(rows, limit: limit)
    }

    private static func page(_ rows: PostgresRows, limit: Int) throws
        -> (items: [(record: AuditEventRecord, position: KeysetPosition)], hasMore: Bool) {
        let items = try rows.rows.prefix(limit).map { row in
            let record = AuditEventRecord(
                id: try row.decode("id"),
                tenantID: try row.decode("tenant_id"),
                actorType: try row.decode("actor_type"),
                actorID: try row.decode("actor_id"),
                action: try row.decode("action"),
                targetType: try row.decode("target_type"),
                targetID: try row.decode("target_id"),
                ip: try row.decode("ip"),
                userAgent: try row.decode("user_agent"),
                requestID: try row.decode("request_id"),
                changesJSON: try row.decode("changes", as: PostgresJSON.self).text,
                createdAt: try row.decode("created_at"))
            return (record, KeysetPosition(createdAt: try row.decode("position_created_at"), id: record.id))
        }
        return (items, rows.count > limit)
    }
}
