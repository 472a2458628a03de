import Foundation
import GatehouseCore
import GatehouseTestSupport
import HTTPTypes
import HummingbirdTesting
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
}
