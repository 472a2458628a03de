import Foundation
import GatehouseCore
import GatehouseStore
import GatehouseTestSupport
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Postgres
import Testing

/// The append-only audit log (issue 8, item 10): every change by an owner/admin, a key with
/// `account:manage` or the operator appends an event, owners and admins read their tenant's,
/// operators read all, and nobody rewrites it.
@Suite("Audit log")
struct AuditLogTests {
    static let events = "/api/v2/audit-events"
    static let adminEvents = "/api/v2/admin/audit-events"

    static func items(_ response: TestJSONResponse) throws -> [[String: Any]] {
        try #require(response.object["items"] as? [[String: Any]], "\(response.text)")
    }

    static func withRequestID(_ headers: HTTPFields, _ id: String) -> HTTPFields {
        var headers = headers
        headers[HTTPField.Name("X-Request-Id")!] = id
        headers[.userAgent] = "audit-tests/1.0"
        return headers
    }

    @Test func everyKeyAndSettingsChangeOfAnOwnerIsRecordedWithItsRequest() async throws {
        try await TestApp.run { client in
            let owner = try await TestUsers.signUp(client)
            let tag = UUID().uuidString.lowercased()
            var response = try await client.requestJSON(
                .post, "/api/v2/api-keys", headers: Self.withRequestID(owner.authorization, "create-\(tag)"),
                body: ["name": "audited", "scopes": ["usage:read"], "rate_limit_rpm": 30, "spend_limit": "5"])
            #expect(response.status == 201, "\(response.text)")
            let keyID = try #require(response.object["id"] as? String)
            let raw = try #require(response.object["raw_key"] as? String)
            response = try await client.requestJSON(
                .patch, "/api/v2/api-keys/\(keyID)", headers: Self.withRequestID(owner.authorization, "update-\(tag)"),
                body: ["rate_limit_rpm": 45, "name": "renamed"])
            #expect(response.status == 200, "\(response.text)")
            response = try await client.requestJSON(
                .post, "/api/v2/api-keys/\(keyID)/rotate", headers: Self.withRequestID(owner.authorization, "rotate-\(tag)"),
                body: ["grace_seconds": 60])
            #expect(response.status == 200, "\(response.text)")
            let rotatedRaw = try #require(response.object["raw_key"] as? String)
            response = try await client.requestJSON(
                .delete, "/api/v2/api-keys/\(keyID)", headers: Self.withRequestID(owner.authorization, "revoke-\(tag)"))
            #expect(response.status == 204, "\(response.text)")
            // Revoking again changes nothing, and is no new event.
            response = try await client.requestJSON(.delete, "/api/v2/api-keys/\(keyID)", headers: owner.authorization)
            #expect(response.status == 204)
            response = try await client.requestJSON(
                .patch, "/api/v2/tenant/settings", headers: Self.withRequestID(owner.authorization, "settings-\(tag)"),
                body: ["require_approval": true])
            #expect(response.status == 200, "\(response.text)")

            response = try await client.requestJSON(.get, Self.events, headers: owner.authorization)
            #expect(response.status == 200, "\(response.text)")
            let items = try Self.items(response)
            #expect(items.map { $0["action"] as? String } == [
                "tenant_settings.update", "api_key.revoke", "api_key.rotate", "api_key.update", "api_key.create"])
            #expect(items.map { $0["request_id"] as? String } == [
                "settings-\(tag)", "revoke-\(tag)", "rotate-\(tag)", "update-\(tag)", "create-\(tag)"])
            for item in items {
                #expect(item["actor_type"] as? String == "user")
                #expect(item["actor_id"] as? String == owner.userID.uuidString.lowercased())
                #expect(item["tenant_id"] as? String == owner.tenantID.uuidString.lowercased())
                #expect(item["ip"] as? String == "127.0.0.1")
                #expect(item["user_agent"] as? String == "audit-tests/1.0")
                #expect(item["created_at"] as? String != nil)
            }
            for item in items.dropFirst() {
                #expect(item["target_type"] as? String == "api_key")
                #expect(item["target_id"] as? String == keyID)
            }
            #expect(items[0]["target_type"] as? String == "tenant")
            #expect(items[0]["target_id"] as? String == owner.tenantID.uuidString.lowercased())
            #expect(items[0]["changes"] as? [String: Bool] == ["require_approval": true])
            #expect((items[2]["changes"] as? [String: Any])?["grace_seconds"] as? Int == 60)
            let update = try #require(items[3]["changes"] as? [String: Any])
            #expect(update["rate_limit_rpm"] as? Int == 45)
            #expect(update["name"] as? String == "renamed")
            let create = try #require(items[4]["changes"] as? [String: Any])
            #expect(create["scopes"] as? [String] == ["usage:read"])
            #expect(create["spend_limit"] as? String == "5.000000")
            // Never a secret: no raw key, no hash.
            for secret in [raw, rotatedRaw, String(raw.dropFirst(8))] {
                #expect(!response.text.contains(secret))
            }
            #expect(!response.text.contains("hash"))

            // Filters and paging.
            response = try await client.requestJSON(.get, Self.events + "?action=api_key.rotate", headers: owner.authorization)
            #expect(try Self.items(response).map { $0["request_id"] as? String } == ["rotate-\(tag)"])
            response = try await client.requestJSON(
                .get, Self.events + "?actor_id=\(UUID().uuidString.lowercased())", headers: owner.authorization)
            #expect(try Self.items(response).isEmpty)
            response = try await client.requestJSON(
                .get, Self.events + "?actor_id=\(owner.userID.uuidString.lowercased())&action=api_key.create",
                headers: owner.authorization)
            #expect(try Self.items(response).count == 1)
            response = try await client.requestJSON(.get, Self.events + "?since=2999-01-01T00:00:00Z", headers: owner.authorization)
            #expect(try Self.items(response).isEmpty)
            #expect(response.object["next_cursor"] is NSNull)
            response = try await client.requestJSON(.get, Self.events + "?since=2000-01-01T00:00:00Z&limit=3", headers: owner.authorization)
            #expect(try Self.items(response).count == 3)
            let cursor = try #require(response.object["next_cursor"] as? String)
            response = try await client.requestJSON(.get, Self.events + "?limit=3&cursor=\(cursor)", headers: owner.authorization)
            #expect(try Self.items(response).map { $0["action"] as? String } == ["api_key.update", "api_key.create"])
            #expect(response.object["next_cursor"] is NSNull)

            // Bad filters are the client's mistake.
            response = try await client.requestJSON(.get, Self.events + "?actor_id=nope", headers: owner.authorization)
            #expect(response.status == 400)
            response = try await client.requestJSON(.get, Self.events + "?since=yesterday", headers: owner.authorization)
            #expect(response.status == 400)
            response = try await client.requestJSON(.get, Self.events + "?cursor=bm90LWEtY3Vyc29y", headers: owner.authorization)
            #expect(response.status == 400)

            // A long list is recorded as a sample and a count (the change itself goes through whole).
            let numbers = (0..<1000).map { "+1555\(String(format: "%07d", $0))" }
            var long = try await client.requestJSON(.patch, "/api/v2/tenant/settings", headers: owner.authorization,
                                                    body: ["allowed_numbers": numbers])
            #expect(long.status == 200, "\(long.text)")
            long = try await client.requestJSON(.get, Self.events + "?limit=1", headers: owner.authorization)
            let recorded = try #require(try Self.items(long).first?["changes"] as? [String: Any])
            #expect(recorded["allowed_numbers_count"] as? Int == 1000)
            #expect((recorded["allowed_numbers"] as? [String])?.count == 20)
        }
    }

    @Test func aKeyWithAccountManageIsTheActorOfItsChanges() async throws {
        let tenant = try await TestKeys.tenant()
        let manager = try await TestKeys.create(tenantID: tenant, scopes: [.accountManage], rateLimitRPM: 0)
        try await TestApp.run { client in
            let headers: HTTPFields = [HTTPField.Name("X-API-Key")!: manager.raw]
            var response = try await client.requestJSON(.post, "/api/v2/api-keys", headers: headers,
                                                        body: ["name": "by key", "scopes": []])
            #expect(response.status == 201, "\(response.text)")
            let keyID = try #require(response.object["id"] as? String)
            let owner = try await TestUsers.addUser(role: .owner, tenantID: tenant)
            response = try await client.requestJSON(.get, Self.events, headers: owner.authorization)
            let items = try Self.items(response)
            #expect(items.count == 1)
            #expect(items.first?["action"] as? String == "api_key.create")
            #expect(items.first?["actor_type"] as? String == "api_key")
            #expect(items.first?["actor_id"] as? String == manager.id.uuidString.lowercased())
            #expect(items.first?["target_id"] as? String == keyID)
        }
    }

    @Test func operatorChangesAreRecordedInTheKeysTenantAndOnlyOperatorsSeeEverything() async throws {
        let master = try await TestMasterKey.create()
        try await TestApp.run { client in
            let owner = try await TestUsers.signUp(client)
            let key = try await AdminFixtures.key(client, master: master, tenantID: owner.tenantID)
            let adminHeaders = TestMasterKey.headers(master)
            var response = try await client.requestJSON(.put, "/api/v2/admin/api-keys/\(key.id)/rate-limits",
                                                        headers: adminHeaders, body: ["general": 90])
            #expect(response.status == 200, "\(response.text)")
            response = try await client.requestJSON(.post, "/api/v2/admin/api-keys/\(key.id)/deactivate", headers: adminHeaders)
            #expect(response.status == 200)
            response = try await client.requestJSON(.delete, "/api/v2/admin/api-keys/\(key.id)", headers: adminHeaders)
            #expect(response.status == 204)

            // The tenant's owner sees what the operator did to the tenant's key.
            response = try await client.requestJSON(.get, Self.events, headers: owner.authorization)
            var items = try Self.items(response)
            #expect(items.map { $0["action"] as? String } == ["api_key.delete", "api_key.deactivate", "api_key.update", "api_key.create"])
            #expect(Set(items.compactMap { $0["actor_type"] as? String }) == ["master_key"])
            #expect(Set(items.compactMap { $0["target_id"] as? String }) == [key.id])
            #expect((items[2]["changes"] as? [String: Any])?["rate_limit_general"] as? Int == 90)
            let masterID = try #require(items.first?["actor_id"] as? String)

            // The operator's list holds them too, and platform events (tenant null) that no tenant sees.
            let platformKey = try await TestMasterKey.create(name: "audited operator")
            _ = platformKey
            response = try await client.requestJSON(.get, Self.adminEvents + "?actor_id=\(masterID)&limit=200", headers: adminHeaders)
            #expect(response.status == 200, "\(response.text)")
            items = try Self.items(response)
            #expect(items.contains { $0["target_id"] as? String == key.id && $0["action"] as? String == "api_key.delete" })
            response = try await client.requestJSON(.get, Self.adminEvents + "?action=master_key.create&limit=200", headers: adminHeaders)
            items = try Self.items(response)
            let created = try #require(items.first { ($0["changes"] as? [String: Any])?["name"] as? String == "audited operator" })
            #expect(created["tenant_id"] is NSNull)
            #expect(created["actor_type"] as? String == "system")
            #expect(created["actor_id"] is NSNull)
            #expect(created["target_type"] as? String == "master_key")
            response = try await client.requestJSON(.get, Self.events + "?action=master_key.create", headers: owner.authorization)
            #expect(try Self.items(response).isEmpty)

            // Only owners and admins (users) read the tenant log; only master keys read the operator's.
            let admin = try await TestUsers.addUser(role: .admin, tenantID: owner.tenantID)
            response = try await client.requestJSON(.get, Self.events, headers: admin.authorization)
            #expect(response.status == 200)
            let member = try await TestUsers.addUser(role: .member, tenantID: owner.tenantID)
            response = try await client.requestJSON(.get, Self.events, headers: member.authorization)
            #expect(response.status == 403)
            let managerKey = try await TestKeys.create(tenantID: owner.tenantID, scopes: Scope.allCases, rateLimitRPM: 0)
            response = try await client.requestJSON(.get, Self.events, headers: [HTTPField.Name("X-API-Key")!: managerKey.raw])
            #expect(response.status == 401 || response.status == 403)
            response = try await client.requestJSON(.get, Self.adminEvents, headers: owner.authorization)
            #expect(response.status == 401 || response.status == 403)
        }
    }

    @Test func aTenantSeesOnlyItsOwnEvents() async throws {
        try await TestApp.run { client in
            let first = try await TestUsers.signUp(client)
            let second = try await TestUsers.signUp(client)
            var response = try await client.requestJSON(.post, "/api/v2/api-keys", headers: first.authorization,
                                                        body: ["name": "first's", "scopes": []])
            #expect(response.status == 201)
            response = try await client.requestJSON(.get, Self.events, headers: second.authorization)
            #expect(response.status == 200)
            #expect(try Self.items(response).isEmpty)
            response = try await client.requestJSON(.get, Self.events, headers: first.authorization)
            #expect(try Self.items(response).count == 1)

            // Ending every session of an account is recorded too.
            response = try await client.requestJSON(.post, "/api/v2/auth/logout", headers: first.authorization,
                                                    body: ["scope": "global"])
            #expect(response.status == 204)
            let admin = try await TestUsers.addUser(role: .admin, tenantID: first.tenantID)
            response = try await client.requestJSON(.get, Self.events + "?action=auth_session.revoke_all", headers: admin.authorization)
            let ended = try Self.items(response)
            #expect(ended.count == 1)
            #expect(ended.first?["target_id"] as? String == first.userID.uuidString.lowercased())
            #expect(ended.first?["actor_id"] as? String == first.userID.uuidString.lowercased())
        }
    }

    @Test func theLogCannotBeRewrittenByTheServerRoleNorTheOwner() async throws {
        let app = Database(pool: try await TestDatabase.appPool(maxConnections: 1))
        let owner = Database(pool: try await TestDatabase.ownerPool(maxConnections: 1))
        defer { Task { await app.pool.shutdown(); await owner.pool.shutdown() } }
        let tenant = try await TestTenant.create(in: app)
        let repository = PostgresAuditEventRepository(database: app)
        try await repository.record(
            AuditEvent(actor: AuditActor(kind: .user, id: UUID(), ip: "192.0.2.1"), action: "api_key.create",
                       targetType: "api_key", targetID: "k", changes: ["name": "x"]),
            tenantID: tenant)

        for database in [app, owner] {
            for statement: PostgresQuery in [
                "UPDATE audit_events SET action = 'api_key.delete'",
                "DELETE FROM audit_events",
                "TRUNCATE audit_events",
            ] {
                let error = await #expect(throws: PostgresError.self) {
                    try await database.withTenant(tenant) { session in try await session.execute(statement) }
                }
                #expect(error?.isInsufficientPrivilege == true, "\(statement.sql): \(String(describing: error))")
            }
        }
        // The server role cannot write a platform event, nor one for another tenant.
        for tenantID: UUID? in [nil, UUID()] {
            let error = await #expect(throws: PostgresError.self) {
                try await app.withTenant(tenant) { session in
                    try await AuditLog.append(AuditEvent(actor: .system, action: "master_key.create"), tenantID: tenantID, in: session)
                }
            }
            #expect(error?.sqlState == "42501", "\(String(describing: error))")
        }
        let page = try await repository.list(tenantID: tenant, AuditEventFilter(), limit: 10, before: nil)
        #expect(page.items.count == 1)
        #expect(page.items.first?.record.ip == "192.0.2.1")
        #expect(page.items.first?.record.changesJSON == #"{"name": "x"}"#)
    }
}
