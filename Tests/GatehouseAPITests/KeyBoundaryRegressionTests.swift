import Foundation
import GatehouseAuth
import GatehouseCore
import GatehouseStore
import GatehouseTestSupport
import HTTPTypes
import HummingbirdTesting
import Postgres
import Testing

/// Guards on keys that nothing pinned before (issue 8, regression tests): each expectation here
/// fails when its guard is removed (checked by removing it).
@Suite("API keys: boundaries of the self-service routes")
struct KeyBoundaryRegressionTests {
    /// The five `NOT managed` filters of `PostgresAPIKeyRepository` (list, get, update, revoke,
    /// rotate; usage and recent go through get): an operator-managed key is not there for the
    /// tenant's owner, nor for the managed admin key itself.
    @Test func operatorManagedKeysAnswer404OnEverySelfServiceRoute() async throws {
        let master = try await TestMasterKey.create()
        try await TestApp.run { client in
            let owner = try await TestUsers.signUp(client)
            let managed = try await AdminFixtures.key(client, master: master, tenantID: owner.tenantID,
                                                      ["is_admin": true, "name": "operator's"])
            let admin = TestMasterKey.headers(master)
            let before = try await client.requestJSON(.get, "/api/v2/admin/api-keys/\(managed.id)", headers: admin)
            #expect(before.status == 200)

            for caller in [owner.authorization, managed.headers] {
                var response = try await client.requestJSON(.get, "/api/v2/api-keys?include_revoked=true", headers: caller)
                #expect(response.status == 200)
                let ids = (response.object["items"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
                #expect(!ids.contains(managed.id), "list")
                for (method, path, body) in [
                    (HTTPRequest.Method.get, "/api/v2/api-keys/\(managed.id)", nil),
                    (.patch, "/api/v2/api-keys/\(managed.id)", ["name": "taken over", "rate_limit_rpm": 1] as [String: Any]?),
                    (.post, "/api/v2/api-keys/\(managed.id)/rotate", ["grace_seconds": 0] as [String: Any]?),
                    (.delete, "/api/v2/api-keys/\(managed.id)", nil),
                    (.get, "/api/v2/api-keys/\(managed.id)/usage", nil),
                    (.get, "/api/v2/api-keys/\(managed.id)/recent", nil),
                ] {
                    response = try await client.requestJSON(method, path, headers: caller, body: body)
                    #expect(response.status == 404, "\(method) \(path): \(response.text)")
                }
            }
            // Re-read as the operator: nothing changed, and the key still works.
            let after = try await client.requestJSON(.get, "/api/v2/admin/api-keys/\(managed.id)", headers: admin)
            #expect(after.object["name"] as? String == "operator's")
            #expect(after.object["key_prefix"] as? String == before.object["key_prefix"] as? String)
            #expect(after.object["is_active"] as? Bool == true)
            #expect((after.object["rate_limits"] as? [String: Any])?["general"] as? Int
                    == (before.object["rate_limits"] as? [String: Any])?["general"] as? Int)
            let response = try await client.requestJSON(.get, "/api/v2/tenant/settings", headers: managed.headers)
            #expect(response.status == 200)
        }
    }

    /// Another tenant's key is out of reach: a PATCH, revoke or rotate answers 404 and leaves
    /// the key exactly as it was (re-read by its own owner).
    @Test func crossTenantChangesLeaveTheOtherTenantsKeyUnchanged() async throws {
        try await TestApp.run { client in
            let mine = try await TestUsers.signUp(client)
            let theirs = try await TestUsers.signUp(client)
            var response = try await client.requestJSON(.post, "/api/v2/api-keys", headers: theirs.authorization,
                                                        body: ["name": "theirs", "scopes": ["settings:read"], "rate_limit_rpm": 5])
            #expect(response.status == 201, "\(response.text)")
            let id = try #require(response.object["id"] as? String)
            let raw = try #require(response.object["raw_key"] as? String)
            let before = try await client.requestJSON(.get, "/api/v2/api-keys/\(id)", headers: theirs.authorization)

            let myKey = try await TestKeys.create(tenantID: mine.tenantID, scopes: Scope.allCases, rateLimitRPM: 0)
            for caller in [mine.authorization, [HTTPField.Name("X-API-Key")!: myKey.raw]] {
                for (method, path, body) in [
                    (HTTPRequest.Method.patch, "/api/v2/api-keys/\(id)", ["name": "stolen", "rate_limit_rpm": 0] as [String: Any]?),
                    (.delete, "/api/v2/api-keys/\(id)", nil),
                    (.post, "/api/v2/api-keys/\(id)/rotate", nil),
                    (.get, "/api/v2/api-keys/\(id)", nil),
                ] {
                    response = try await client.requestJSON(method, path, headers: caller, body: body)
                    #expect(response.status == 404, "\(method) \(path): \(response.text)")
                }
            }
            let after = try await client.requestJSON(.get, "/api/v2/api-keys/\(id)", headers: theirs.authorization)
            for field in ["name", "key_prefix", "rate_limit_rpm", "is_active", "revoked_at", "scopes"] {
                #expect("\(after.object[field] ?? "absent")" == "\(before.object[field] ?? "absent")", "\(field)")
            }
            // Its secret still works (not rotated, not revoked).
            response = try await client.requestJSON(.get, "/api/v2/tenant/settings", headers: [HTTPField.Name("X-API-Key")!: raw])
            #expect(response.status == 200, "\(response.text)")
        }
    }

    /// The key's row as stored, read by its own tenant (what a change would have to touch).
    static func storedRow(_ database: Database, tenantID: UUID, id: UUID) async throws -> [String?] {
        try await database.withTenant(tenantID) { session in
            let row = try #require(try await session.query("""
                SELECT name, key_prefix, encode(key_hash, 'hex') AS hash, rate_limit_rpm::text AS rpm,
                       revoked_at::text AS revoked, is_active::text AS active, scopes::text AS scopes
                  FROM api_keys WHERE id = \(id)
                """).first)
            return try ["name", "key_prefix", "hash", "rpm", "revoked", "active", "scopes"].map { try row.decode($0, as: String?.self) }
        }
    }

    /// Each of the five `NOT managed` filters on its own, at the repository: the HTTP routes
    /// reach update (and a key's rotate) only behind `get`, so removing update's filter alone
    /// would pass the route test. Every method answers "not there" and the row is unchanged.
    @Test func eachRepositoryFilterHidesOperatorManagedKeys() async throws {
        let tenant = try await TestKeys.tenant()
        let managed = try await TestKeys.create(tenantID: tenant, scopes: [.usageRead], rateLimitRPM: 7, managed: true,
                                                name: "operator's")
        let database = try await TestKeys.database()
        let repository = PostgresAPIKeyRepository(database: database)
        let owner = KeyGrantPolicy(grantor: .manager)
        let audit = AuditEvent(actor: AuditActor(kind: .user, id: UUID()), action: "api_key.update")
        let now = Date()
        let before = try await Self.storedRow(database, tenantID: tenant, id: managed.id)

        let listed = try await repository.list(tenantID: tenant, includeRevoked: true, limit: 200, after: nil,
                                               reachableBy: owner, now: now)
        #expect(!listed.contains { $0.id == managed.id }, "list")
        #expect(try await repository.get(tenantID: tenant, id: managed.id, reachableBy: owner, now: now) == nil, "get")
        #expect(try await repository.update(tenantID: tenant, id: managed.id, APIKeyChanges(name: "taken over", rateLimitRPM: 0),
                                            reachableBy: owner, now: now, audit: audit) == nil, "update")
        #expect(try await repository.revoke(tenantID: tenant, id: managed.id, reachableBy: owner, now: now, audit: audit) == false,
                "revoke")
        let raw = KeyFormat().generate(.live)
        let rotation = try await repository.rotate(
            tenantID: tenant, id: managed.id, hash: KeyHasher(pepper: TestApp.keyPepper).hash(raw),
            keyPrefix: KeyFormat.displayPrefix(of: raw), graceSeconds: 0, reachableBy: owner, now: now, audit: audit)
        if case .notFound = rotation {} else { Issue.record("rotate reached the managed key: \(rotation)") }

        #expect(try await Self.storedRow(database, tenantID: tenant, id: managed.id) == before)
        let events: Int = try await database.withTenant(tenant) { session in
            try await session.query("SELECT count(*) AS n FROM audit_events WHERE target_id = \(managed.id.uuidString.lowercased())")
                .first!.decode("n")
        }
        #expect(events == 0)
        await database.pool.shutdown()
    }

    /// Another tenant's key through the repository with the caller's tenant: no method reaches
    /// it (the tenant scope, not a filter in the handler), and its row is unchanged.
    @Test func repositoryChangesInOneTenantLeaveAnotherTenantsKeyUnchanged() async throws {
        let mine = try await TestKeys.tenant()
        let theirs = try await TestKeys.tenant()
        let key = try await TestKeys.create(tenantID: theirs, scopes: [.usageRead], rateLimitRPM: 5, name: "theirs")
        let database = try await TestKeys.database()
        let repository = PostgresAPIKeyRepository(database: database)
        let owner = KeyGrantPolicy(grantor: .manager)
        let audit = AuditEvent(actor: AuditActor(kind: .user, id: UUID()), action: "api_key.update")
        let now = Date()
        let before = try await Self.storedRow(database, tenantID: theirs, id: key.id)

        #expect(try await repository.get(tenantID: mine, id: key.id, reachableBy: owner, now: now) == nil)
        #expect(try await repository.update(tenantID: mine, id: key.id, APIKeyChanges(name: "stolen", rateLimitRPM: 0),
                                            reachableBy: owner, now: now, audit: audit) == nil)
        #expect(try await repository.revoke(tenantID: mine, id: key.id, reachableBy: owner, now: now, audit: audit) == false)
        let raw = KeyFormat().generate(.live)
        let rotation = try await repository.rotate(
            tenantID: mine, id: key.id, hash: KeyHasher(pepper: TestApp.keyPepper).hash(raw),
            keyPrefix: KeyFormat.displayPrefix(of: raw), graceSeconds: 0, reachableBy: owner, now: now, audit: audit)
        if case .notFound = rotation {} else { Issue.record("rotate reached another tenant's key: \(rotation)") }

        #expect(try await Self.storedRow(database, tenantID: theirs, id: key.id) == before)
        await database.pool.shutdown()
    }
}
