import Foundation
import GatehouseCore
import Postgres

/// `TenantSettingsRepository` over Postgres. The ledger table only accepts INSERT from the
/// server's role (no UPDATE/DELETE grant, plus a trigger that refuses them for everyone).
public struct PostgresTenantSettingsRepository: TenantSettingsRepository {
    let database: Database

    /// The consent type and text version recorded when `ai_consent_enabled` changes.
    public static let aiConsentType = "ai_processing"
    public static let aiConsentVersion = "1.0"

    public init(database: Database) {
        self.database = database
    }

    private static func decodeSettings(_ row: PostgresRow) throws -> TenantSettings {
        TenantSettings(
            allowedNumbers: try row.decode("allowed_numbers"),
            requireApproval: try row.decode("require_approval"),
            aiConsentEnabled: try row.decode("ai_consent_enabled"))
    }

    public func settings(tenantID: UUID) async throws -> TenantSettings {
        try await database.read(asTenant: tenantID, """
            SELECT allowed_numbers, require_approval, ai_consent_enabled
              FROM tenant_settings WHERE tenant_id = \(tenantID)
            """).first.map(Self.decodeSettings) ?? TenantSettings()
    }

    public func update(tenantID: UUID, _ changes: TenantSettingsChanges, actor: ConsentActor, audit: AuditEvent) async throws
        -> TenantSettings {
        try await database.withTenant(tenantID) { session in
            // Make sure the row exists, then lock it: two concurrent changes of the consent
            // flag then each see the other's result, and each real change is recorded once.
            try await session.execute("""
                INSERT INTO tenant_settings (tenant_id) VALUES (\(tenantID)) ON CONFLICT (tenant_id) DO NOTHING
                """)
            let before = try Self.decodeSettings(try await session.query("""
                SELECT allowed_numbers, require_approval, ai_consent_enabled
                  FROM tenant_settings WHERE tenant_id = \(tenantID) FOR UPDATE
                """).first!)
            let after = try Self.decodeSettings(try await session.query("""
                UPDATE tenant_settings SET
                    allowed_numbers = COALESCE(\(changes.allowedNumbers), allowed_numbers),
                    require_approval = COALESCE(\(changes.requireApproval), require_approval),
                    ai_consent_enabled = COALESCE(\(changes.aiConsentEnabled), ai_consent_enabled)
                 WHERE tenant_id = \(tenantID)
                RETURNING allowed_numbers, require_approval, ai_consent_enabled
                """).first!)
            if after.aiConsentEnabled != before.aiConsentEnabled {
                try await session.execute("""
                    INSERT INTO consent_ledger (tenant_id, consent_type, version, granted, user_id, ip, user_agent)
                    VALUES (\(tenantID), \(Self.aiConsentType), \(Self.aiConsentVersion), \(after.aiConsentEnabled),
                            \(actor.userID), \(actor.ip), \(actor.userAgent))
                    """)
            }
            try await AuditLog.append(audit, tenantID: tenantID, in: session)
            return after
        }
    }

    public func consents(tenantID: UUID, limit: Int, after: KeysetPosition?) async throws
        -> (items: [(record: ConsentRecord, position: KeysetPosition)], hasMore: Bool) {
        let rows = try await database.withTenant(tenantID) { session in
            try await PostgresManagedKeyRepository.mappingBadCursor {
                try await session.query("""
                    SELECT id, consent_type, version, granted, user_id, ip, user_agent, created_at,
                           created_at::text AS position_created_at
                      FROM consent_ledger
                     WHERE tenant_id = \(tenantID)
                       AND (\(after?.createdAt)::timestamptz IS NULL
                            OR (created_at, id) < (\(after?.createdAt)::timestamptz, \(after?.id)))
                     ORDER BY created_at DESC, id DESC
                     LIMIT \(limit + 1)
                    """)
            }
        }
        let items = try rows.rows.prefix(limit).map { row in
            let record = ConsentRecord(
                id: try row.decode("id"),
                consentType: try row.decode("consent_type"),
                version: try row.decode("version"),
                granted: try row.decode("granted"),
                userID: try row.decode("user_id"),
                ip: try row.decode("ip"),
                userAgent: try row.decode("user_agent"),
                createdAt: try row.decode("created_at"))
            return (record, KeysetPosition(createdAt: try row.decode("position_created_at"), id: record.id))
        }
        return (items, rows.count > limit)
    }
}
