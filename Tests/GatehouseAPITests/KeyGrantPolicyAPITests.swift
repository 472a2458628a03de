import Foundation
import GatehouseCore
import GatehouseTestSupport
import HTTPTypes
import HummingbirdTesting
import Testing

/// Least privilege for key management (issue 8, item 3), through the real server: a key with
/// `account:manage` reaches only keys within its own scopes, never loosens limits, never
/// changes its own; an operator's managed key never mints an uncapped key.
@Suite("API keys: least privilege for keys that manage keys")
struct KeyGrantPolicyAPITests {
    static func key(_ raw: String) -> HTTPFields { [HTTPField.Name("X-API-Key")!: raw] }

    @Test func aManageOnlyKeyCannotRotateReadOrRevokeTheOwnersAllScopeKey() async throws {
        let tenant = try await TestKeys.tenant()
        let everything = try await TestKeys.create(tenantID: tenant, scopes: Scope.allCases, rateLimitRPM: 0, name: "all scopes")
        let manager = try await TestKeys.create(tenantID: tenant, scopes: [.accountManage], rateLimitRPM: 0, name: "manager")
        let peer = try await TestKeys.create(tenantID: tenant, scopes: [.accountManage], rateLimitRPM: 0, name: "peer")
        try await TestApp.run { client in
            let owner = try await TestUsers.addUser(role: .owner, tenantID: tenant)
            let before = try await client.requestJSON(.get, "/api/v2/api-keys/\(everything.id)", headers: owner.authorization)
            #expect(before.status == 200)

            // The escalation of today: rotate the all-scope key and receive its new secret.
            var response = try await client.requestJSON(.post, "/api/v2/api-keys/\(everything.id)/rotate",
                                                        headers: Self.key(manager.raw), body: ["grace_seconds": 0])
            #expect(response.status == 404, "\(response.text)")
            #expect(response.object["raw_key"] == nil)
            for (method, path, body) in [
                (HTTPRequest.Method.get, "/api/v2/api-keys/\(everything.id)", nil),
                (.patch, "/api/v2/api-keys/\(everything.id)", ["name": "mine now"] as [String: Any]?),
                (.delete, "/api/v2/api-keys/\(everything.id)", nil),
                (.get, "/api/v2/api-keys/\(everything.id)/usage", nil),
                (.get, "/api/v2/api-keys/\(everything.id)/recent", nil),
            ] {
                response = try await client.requestJSON(method, path, headers: Self.key(manager.raw), body: body)
                #expect(response.status == 404, "\(method) \(path): \(response.text)")
            }
            response = try await client.requestJSON(.get, "/api/v2/api-keys", headers: Self.key(manager.raw))
            let listed = Set((response.object["items"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String })
            #expect(listed.isSuperset(of: [manager.id.uuidString.lowercased(), peer.id.uuidString.lowercased()]))
            #expect(!listed.contains(everything.id.uuidString.lowercased()))

            // The all-scope key is untouched: same secret, same name, not revoked.
            let after = try await client.requestJSON(.get, "/api/v2/api-keys/\(everything.id)", headers: owner.authorization)
            #expect(after.object["key_prefix"] as? String == before.object["key_prefix"] as? String)
            #expect(after.object["name"] as? String == "all scopes")
            #expect(after.object["revoked_at"] == nil || after.object["revoked_at"] is NSNull)
            response = try await client.requestJSON(.get, "/api/v2/api-keys", headers: Self.key(everything.raw))
            #expect(response.status == 200)

            // Within its scopes it still manages: a peer key holding no more than it does.
            response = try await client.requestJSON(.post, "/api/v2/api-keys/\(peer.id)/rotate", headers: Self.key(manager.raw))
            #expect(response.status == 200, "\(response.text)")
            // But not a key with looser limits: its new secret would carry them.
            let looser = try await TestKeys.create(tenantID: tenant, scopes: [.accountManage], rateLimitRPM: 0, name: "looser")
            let capped = try await TestKeys.create(tenantID: tenant, scopes: [.accountManage], rateLimitRPM: 60, name: "capped")
            response = try await client.requestJSON(.post, "/api/v2/api-keys/\(looser.id)/rotate", headers: Self.key(capped.raw))
            #expect(response.status == 403, "\(response.text)")
            #expect(response.object["raw_key"] == nil)
            response = try await client.requestJSON(.get, "/api/v2/api-keys", headers: Self.key(looser.raw))
            #expect(response.status == 200)
            // And the owner (JWT) keeps full rights.
            response = try await client.requestJSON(.post, "/api/v2/api-keys/\(everything.id)/rotate", headers: owner.authorization)
            #expect(response.status == 200, "\(response.text)")
        }
    }

    @Test func aKeyCannotLiftItsOwnLimits() async throws {
        let tenant = try await TestKeys.tenant()
        let capped = try await TestKeys.create(tenantID: tenant, scopes: [.accountManage], rateLimitRPM: 60,
                                               spendLimit: 1, spendPeriod: "month")
        try await TestApp.run { client in
            for body: [String: Any] in [
                ["rate_limit_rpm": 100_000],
                ["rate_limit_rpm": 0],
                ["rate_limit_rpm": 30],   // even tighter: its limits are its owner's to set
                ["spend_limit": NSNull()],
                ["spend_limit": "1000"],
                ["spend_period": "day"],
            ] {
                let response = try await client.requestJSON(.patch, "/api/v2/api-keys/\(capped.id)",
                                                            headers: Self.key(capped.raw), body: body)
                #expect(response.status == 403, "\(body): \(response.text)")
                #expect(response.error == "forbidden")
            }
            var response = try await client.requestJSON(.get, "/api/v2/api-keys/\(capped.id)", headers: Self.key(capped.raw))
            #expect(response.object["rate_limit_rpm"] as? Int == 60)
            #expect(response.object["spend_limit"] as? String == "1.000000")
            #expect(response.object["spend_period"] as? String == "month")
            // A rename (limits as they are) is fine.
            response = try await client.requestJSON(.patch, "/api/v2/api-keys/\(capped.id)", headers: Self.key(capped.raw),
                                                    body: ["name": "renamed", "rate_limit_rpm": 60])
            #expect(response.status == 200, "\(response.text)")
            #expect(response.object["name"] as? String == "renamed")
        }
    }

    @Test func aKeyCannotCreateOrLoosenAKeyBeyondItsOwnLimits() async throws {
        let tenant = try await TestKeys.tenant()
        let capped = try await TestKeys.create(tenantID: tenant, scopes: [.accountManage], rateLimitRPM: 60,
                                               spendLimit: 1, spendPeriod: "week")
        try await TestApp.run { client in
            let base: [String: Any] = ["name": "child", "scopes": ["account:manage"]]
            for (extra, field) in [
                (["rate_limit_rpm": 0, "spend_limit": "1"], "rate_limit_rpm"),
                (["rate_limit_rpm": 61, "spend_limit": "1"], "rate_limit_rpm"),
                (["rate_limit_rpm": 60], "spend_limit"),
                (["rate_limit_rpm": 60, "spend_limit": "1.000001"], "spend_limit"),
                (["rate_limit_rpm": 60, "spend_limit": "1", "spend_period": "day"], "spend_period"),
            ] as [([String: Any], String)] {
                let response = try await client.requestJSON(.post, "/api/v2/api-keys", headers: Self.key(capped.raw),
                                                            body: base.merging(extra) { $1 })
                #expect(response.status == 403, "\(extra): \(response.text)")
                let fields = (response.object["errors"] as? [[String: Any]])?.compactMap { $0["field"] as? String }
                #expect(fields == [field], "\(extra)")
            }
            // The default rate (60) fits; a tighter cap on a longer period fits.
            var response = try await client.requestJSON(.post, "/api/v2/api-keys", headers: Self.key(capped.raw),
                                                        body: base.merging(["spend_limit": "0.5", "spend_period": "month"]) { $1 })
            #expect(response.status == 201, "\(response.text)")
            let child = try #require(response.object["id"] as? String)
            // Nor may it loosen that child afterwards.
            response = try await client.requestJSON(.patch, "/api/v2/api-keys/\(child)", headers: Self.key(capped.raw),
                                                    body: ["spend_limit": NSNull()])
            #expect(response.status == 403)
            response = try await client.requestJSON(.patch, "/api/v2/api-keys/\(child)", headers: Self.key(capped.raw),
                                                    body: ["rate_limit_rpm": 10])
            #expect(response.status == 200, "\(response.text)")
            // Nothing changed by the refusals.
            response = try await client.requestJSON(.get, "/api/v2/api-keys/\(child)", headers: Self.key(capped.raw))
            #expect(response.object["spend_limit"] as? String == "0.500000")
            #expect(response.object["rate_limit_rpm"] as? Int == 10)
        }
    }

    @Test func anOperatorsAdminKeyCannotMintUncappedKeys() async throws {
        let master = try await TestMasterKey.create()
        try await TestApp.run { client in
            // Fixture keys have rate_limit_general 0 (no cap of their own).
            let managed = try await AdminFixtures.key(client, master: master, ["is_admin": true])
            var response = try await client.requestJSON(.post, "/api/v2/api-keys", headers: managed.headers,
                                                        body: ["name": "uncapped", "scopes": [], "rate_limit_rpm": 0])
            #expect(response.status == 403, "\(response.text)")
            response = try await client.requestJSON(.post, "/api/v2/api-keys", headers: managed.headers,
                                                    body: ["name": "capped", "scopes": [], "rate_limit_rpm": 500])
            #expect(response.status == 201, "\(response.text)")
            let id = try #require(response.object["id"] as? String)
            response = try await client.requestJSON(.patch, "/api/v2/api-keys/\(id)", headers: managed.headers,
                                                    body: ["rate_limit_rpm": 0])
            #expect(response.status == 403)
        }
    }
}
