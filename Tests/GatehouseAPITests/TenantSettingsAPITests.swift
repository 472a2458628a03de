import Foundation
import GatehouseCore
import GatehouseStore
import GatehouseTestSupport
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Postgres
import Testing

/// Tenant settings and the append-only consent ledger.
@Suite("Tenant settings and the consent ledger")
struct TenantSettingsAPITests {
    static let settings = "/api/v2/tenant/settings"
    static let consents = "/api/v2/tenant/consents"

    @Test func settingsReadAndPatchWithTheManageScope() async throws {
        let master = try await TestMasterKey.create()
        try await TestApp.run { client in
            let admin = try await AdminFixtures.key(client, master: master, ["is_admin": true])
            // A plain managed key holds settings:read but not settings:manage.
            let plain = try await AdminFixtures.key(client, master: master, tenantID: admin.tenantID)

            var response = try await client.requestJSON(.get, Self.settings, headers: plain.headers)
            #expect(response.status == 200, "\(response.text)")
            #expect(response.object["allowed_numbers"] as? [String] == [])
            #expect(response.object["require_approval"] as? Bool == false)
            #expect(response.object["ai_consent_enabled"] as? Bool == false)

            response = try await client.requestJSON(.patch, Self.settings, headers: plain.headers, body: ["require_approval": true])
            #expect(response.status == 403)
            #expect(response.error == "insufficient_scope")

            response = try await client.requestJSON(.patch, Self.settings, headers: admin.headers,
                                                    body: ["allowed_numbers": ["+5511999999999"], "require_approval": true])
            #expect(response.status == 200, "\(response.text)")
            #expect(response.object["allowed_numbers"] as? [String] == ["+5511999999999"])
            #expect(response.object["require_approval"] as? Bool == true)
            // Only present fields change.
            response = try await client.requestJSON(.patch, Self.settings, headers: admin.headers, body: ["require_approval": false])
            #expect(response.object["allowed_numbers"] as? [String] == ["+5511999999999"])
            #expect(response.object["require_approval"] as? Bool == false)

            for (body, field) in [
                (["allowed_numbers": ["12345"]], "allowed_numbers"),
                (["allowed_numbers": ["+5511999999999", "+5511999999999"]], "allowed_numbers"),
                (["require_approval": "yes"], "require_approval"),
                (["ai_consent_enabled": 1], "ai_consent_enabled"),
            ] as [([String: Any], String)] {
                response = try await client.requestJSON(.patch, Self.settings, headers: admin.headers, body: body)
                #expect(response.status == 422, "\(body): \(response.text)")
                let fields = (response.object["errors"] as? [[String: Any]])?.compactMap { $0["field"] as? String } ?? []
                #expect(fields.contains { $0.hasPrefix(field) }, "\(body): \(fields)")
            }
            response = try await client.requestJSON(.get, Self.settings, headers: admin.headers)
            #expect(response.object["allowed_numbers"] as? [String] == ["+5511999999999"])
            #expect(response.object["ai_consent_enabled"] as? Bool == false)
        }
    }

    @Test func consentChangesAreRecordedInTheLedger() async throws {
        let master = try await TestMasterKey.create()
        try await TestApp.run { client in
            let admin = try await AdminFixtures.key(client, master: master, ["is_admin": true])
            var response = try await client.requestJSON(.patch, Self.settings, headers: admin.headers, body: ["ai_consent_enabled": true])
            #expect(response.status == 200)
            #expect(response.object["ai_consent_enabled"] as? Bool == true)
            // The same value again is no change: no record.
            _ = try await client.requestJSON(.patch, Self.settings, headers: admin.headers, body: ["ai_consent_enabled": true])
            // Other settings do not touch the ledger.
            _ = try await client.requestJSON(.patch, Self.settings, headers: admin.headers, body: ["require_approval": true])
            _ = try await client.requestJSON(.patch, Self.settings, headers: admin.headers, body: ["ai_consent_enabled": false])

            response = try await client.requestJSON(.get, Self.consents, headers: admin.headers)
            #expect(response.status == 200, "\(response.text)")
            let items = try #require(response.object["items"] as? [[String: Any]])
            #expect(items.count == 2)
            // Newest first: the withdrawal, then the grant.
            #expect(items.map { $0["granted"] as? Bool } == [false, true])
            for item in items {
                #expect(item["consent_type"] as? String == "ai_processing")
                #expect(item["version"] as? String == "1.0")
                #expect(item["user_id"] == nil || item["user_id"] is NSNull)   // made with an API key
                #expect(item["ip"] as? String == "127.0.0.1")
                #expect(item["user_agent"] as? String == "gatehouse-tests/1.0")
                #expect(item["created_at"] as? String != nil)
            }
            // Paging.
            response = try await client.requestJSON(.get, Self.consents + "?limit=1", headers: admin.headers)
            let cursor = try #require(response.object["next_cursor"] as? String)
            response = try await client.requestJSON(.get, Self.consents + "?limit=1&cursor=\(cursor)", headers: admin.headers)
            #expect((response.object["items"] as? [[String: Any]])?.first?["granted"] as? Bool == true)
            #expect(response.object["next_cursor"] == nil || response.object["next_cursor"] is NSNull)

            // Another tenant sees its own (empty) ledger.
            let other = try await AdminFixtures.key(client, master: master)
            response = try await client.requestJSON(.get, Self.consents, headers: other.headers)
            #expect((response.object["items"] as? [Any])?.isEmpty == true)
        }
    }

    @Test func theLedgerCannotBeRewrittenByTheServerRoleNorTheOwner() async throws {
        let app = Database(pool: try await TestDatabase.appPool(maxConnections: 1))
        let owner = Database(pool: try await TestDatabase.ownerPool(maxConnections: 1))
        defer { Task { await app.pool.shutdown(); await owner.pool.shutdown() } }
        let tenant = try await TestTenant.create(in: app)
        try await PostgresTenantSettingsRepository(database: app).update(
            tenantID: tenant, .init(aiConsentEnabled: true),
            actor: .init(userID: nil, ip: "192.0.2.1", userAgent: "test"),
            audit: AuditEvent(actor: .system, action: "tenant_settings.update"))

        for database in [app, owner] {
            for statement: PostgresQuery in [
                "UPDATE consent_ledger SET granted = false",
                "DELETE FROM consent_ledger",
                "TRUNCATE consent_ledger",
            ] {
                let error = await #expect(throws: PostgresError.self) {
                    try await database.withTenant(tenant) { session in try await session.execute(statement) }
                }
                #expect(error?.isInsufficientPrivilege == true, "\(statement.sql): \(String(describing: error))")
            }
        }
        let rows = try await app.withTenant(tenant) { session in
            try await session.query("SELECT granted, ip FROM consent_ledger").map {
                (try $0.decode("granted", as: Bool.self), try $0.decode("ip", as: String.self))
            }
        }
        #expect(rows.count == 1)
        #expect(rows.first?.0 == true && rows.first?.1 == "192.0.2.1")
    }
}

/// The role rule with real users: owner and admin may change settings, members may only read.
@Suite("Tenant settings: the owner/admin rule with users")
struct TenantSettingsRoleTests {
    @Test func ownersAndAdminsChangeSettingsMembersOnlyRead() async throws {
        try await TestApp.run { client in
            let owner = try await TestUsers.signUp(client)
            let admin = try await TestUsers.addUser(role: .admin, tenantID: owner.tenantID)
            let member = try await TestUsers.addUser(role: .member, tenantID: owner.tenantID)
            var headers = owner.authorization
            headers[.userAgent] = "owner-browser/2.0"

            var response = try await client.requestJSON(.get, TenantSettingsAPITests.settings, headers: member.authorization)
            #expect(response.status == 200, "\(response.text)")
            response = try await client.requestJSON(.patch, TenantSettingsAPITests.settings, headers: member.authorization,
                                                    body: ["ai_consent_enabled": true])
            #expect(response.status == 403)

            response = try await client.requestJSON(.patch, TenantSettingsAPITests.settings, headers: headers,
                                                    body: ["ai_consent_enabled": true])
            #expect(response.status == 200, "\(response.text)")
            #expect(response.object["ai_consent_enabled"] as? Bool == true)
            response = try await client.requestJSON(.patch, TenantSettingsAPITests.settings, headers: admin.authorization,
                                                    body: ["ai_consent_enabled": false, "require_approval": true])
            #expect(response.status == 200, "\(response.text)")

            // Members may read the ledger; each record names the user who changed the setting.
            response = try await client.requestJSON(.get, TenantSettingsAPITests.consents, headers: member.authorization)
            #expect(response.status == 200)
            let items = try #require(response.object["items"] as? [[String: Any]])
            #expect(items.count == 2)
            #expect(items.map { $0["user_id"] as? String } == [admin.userID.uuidString.lowercased(), owner.userID.uuidString.lowercased()])
            #expect(items.map { $0["granted"] as? Bool } == [false, true])
            #expect(items.last?["user_agent"] as? String == "owner-browser/2.0")
            #expect(items.last?["ip"] as? String == "127.0.0.1")
            // The member's refused attempt left nothing behind.
            response = try await client.requestJSON(.get, TenantSettingsAPITests.settings, headers: member.authorization)
            #expect(response.object["require_approval"] as? Bool == true)
            #expect(response.object["ai_consent_enabled"] as? Bool == false)
        }
    }

    @Test func aUserTokenIsNotAnOperator() async throws {
        try await TestApp.run { client in
            let owner = try await TestUsers.signUp(client)
            let response = try await client.requestJSON(.get, "/api/v2/admin/api-keys", headers: owner.authorization)
            #expect(response.status == 403)
            #expect(response.error == "forbidden")
        }
    }
}
