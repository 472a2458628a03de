import Foundation
import GatehouseAPI
import GatehouseAuth
import GatehouseCore
import GatehouseTestSupport
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// `/api-keys` self-service and `/keys/verify` over real HTTP, authenticated with keys that
/// hold `account:manage` (a JWT owner/admin holds it too).
@Suite("API keys: self-service create, list, patch, revoke, rotate, verify")
struct APIKeySelfServiceTests {
    static let apiKey = HTTPField.Name("X-API-Key")!

    static func json(_ object: [String: Any]) -> ByteBuffer {
        ByteBuffer(data: try! JSONSerialization.data(withJSONObject: object))
    }

    static func headers(_ raw: String) -> HTTPFields {
        [apiKey: raw, .contentType: "application/json"]
    }

    @Test func createReturnsTheRawKeyOnceAndItWorks() async throws {
        let tenant = try await TestKeys.tenant()
        let admin = try await TestKeys.create(tenantID: tenant, scopes: [.accountManage, .usageRead], rateLimitRPM: 0)
        try await TestApp.run { client in
            let created = try await client.execute(
                uri: "/api/v2/api-keys", method: .post, headers: Self.headers(admin.raw),
                body: Self.json(["name": "ci-runner", "scopes": ["usage:read", "account:manage"], "rate_limit_rpm": 120,
                                 "spend_limit": "50", "spend_period": "week", "expires_in_days": 30])
            ) { response in
                #expect(response.status == .created)
                return try response.json
            }
            let raw = try #require(created["raw_key"] as? String)
            #expect(raw.wholeMatch(of: /gk_live_[0-9a-f]{64}/) != nil)
            #expect(created["key_prefix"] as? String == String(raw.prefix(12)))
            #expect(created["warning"] as? String != nil)
            #expect(created["scopes"] as? [String] == ["account:manage", "usage:read"])
            #expect(created["rate_limit_rpm"] as? Int == 120)
            #expect(created["spend_limit"] as? String == "50.000000")
            #expect(created["spend_period"] as? String == "week")
            #expect(created["spend_period_used"] as? String == "0.000000")
            #expect(created["type"] as? String == "standard")
            #expect(created["is_active"] as? Bool == true)
            #expect(created["expires_at"] as? String != nil)
            let id = try #require(created["id"] as? String)

            // The new key authenticates, and GET never shows the secret again.
            try await client.execute(uri: "/api/v2/api-keys/\(id)", method: .get, headers: [Self.apiKey: raw]) { response in
                #expect(response.status == .ok)
                let key = try response.json
                #expect(key["raw_key"] == nil)
                #expect(key["name"] as? String == "ci-runner")
                #expect(response.headers[HTTPField.Name("X-RateLimit-Limit")!] == "120")
                #expect(response.headers[HTTPField.Name("X-Spend-Period-Limit")!] == "50.000000")
            }
            try await client.execute(uri: "/api/v2/api-keys", method: .get, headers: [Self.apiKey: admin.raw]) { response in
                let items = try #require(try response.json["items"] as? [[String: Any]])
                #expect(items.compactMap { $0["id"] as? String }.contains(id))
                #expect(items.allSatisfy { $0["raw_key"] == nil })
            }
        }
    }

    @Test func scopesMustBeKnownAndHeldByTheCreator() async throws {
        let tenant = try await TestKeys.tenant()
        let admin = try await TestKeys.create(tenantID: tenant, scopes: [.accountManage, .usageRead], rateLimitRPM: 0)
        let reader = try await TestKeys.create(tenantID: tenant, scopes: [.usageRead], rateLimitRPM: 0)
        try await TestApp.run { client in
            try await client.execute(uri: "/api/v2/api-keys", method: .post, headers: Self.headers(admin.raw),
                                     body: Self.json(["name": "x", "scopes": ["billing:manage"]])) { response in
                #expect(response.status == .unprocessableContent)
                let problem = try response.json
                #expect(problem["error"] as? String == "validation_failed")
                #expect((problem["errors"] as? [[String: Any]])?.first?["field"] as? String == "scopes")
            }
            try await client.execute(uri: "/api/v2/api-keys", method: .post, headers: Self.headers(admin.raw),
                                     body: Self.json(["name": "x", "scopes": ["root:everything"]])) { response in
                #expect(response.status == .unprocessableContent)
            }
            try await client.execute(uri: "/api/v2/api-keys", method: .post, headers: Self.headers(admin.raw),
                                     body: Self.json(["name": "", "scopes": []])) { response in
                #expect(response.status == .unprocessableContent)
            }
            try await client.execute(uri: "/api/v2/api-keys", method: .post, headers: Self.headers(admin.raw),
                                     body: Self.json(["name": "x", "scopes": [], "spend_limit": "1.1234567"])) { response in
                #expect(response.status == .unprocessableContent)
            }
            try await client.execute(uri: "/api/v2/api-keys", method: .post, headers: Self.headers(reader.raw),
                                     body: Self.json(["name": "x", "scopes": []])) { response in
                #expect(response.status == .forbidden)
                #expect((try? response.json)?["error"] as? String == "insufficient_scope")
            }
            try await client.execute(uri: "/api/v2/api-keys/\(admin.id)", method: .patch, headers: Self.headers(admin.raw),
                                     body: Self.json(["scopes": ["account:manage", "billing:read"]])) { response in
                #expect(response.status == .unprocessableContent)
            }
            try await client.execute(uri: "/api/v2/api-keys/\(admin.id)", method: .patch, headers: Self.headers(admin.raw),
                                     body: Self.json(["scopes": ["nope"]])) { response in
                #expect(response.status == .unprocessableContent)
            }
        }
    }

    @Test func anotherTenantsKeyIsNotFound() async throws {
        let mine = try await TestKeys.tenant()
        let theirs = try await TestKeys.tenant()
        let admin = try await TestKeys.create(tenantID: mine, scopes: [.accountManage], rateLimitRPM: 0)
        let other = try await TestKeys.create(tenantID: theirs, scopes: [.accountManage], rateLimitRPM: 0)
        try await TestApp.run { client in
            for (method, path) in [(HTTPRequest.Method.get, ""), (.delete, ""), (.get, "/usage"), (.get, "/recent"), (.post, "/rotate")] {
                try await client.execute(uri: "/api/v2/api-keys/\(other.id)\(path)", method: method, headers: [Self.apiKey: admin.raw]) { response in
                    #expect(response.status == .notFound, "\(method) \(path)")
                }
            }
            try await client.execute(uri: "/api/v2/api-keys/\(other.id)", method: .patch, headers: Self.headers(admin.raw),
                                     body: Self.json(["name": "stolen"])) { response in
                #expect(response.status == .notFound)
            }
            // The other tenant's key still works: nothing was revoked.
            try await client.execute(uri: "/api/v2/api-keys", method: .get, headers: [Self.apiKey: other.raw]) { response in
                #expect(response.status == .ok)
            }
        }
    }

    @Test func patchChangesLimitsRemovesTheCapAndANewPeriodResetsUsed() async throws {
        let clock = TestClock("2026-03-10T12:00:00Z")
        let tenant = try await TestKeys.tenant()
        // A key may not change its own limits (KeyGrantPolicy): an uncapped key changes another's.
        let admin = try await TestKeys.create(tenantID: tenant, scopes: [.accountManage], rateLimitRPM: 0)
        let target = try await TestKeys.create(tenantID: tenant, scopes: [.accountManage], rateLimitRPM: 0,
                                               spendLimit: 10, spendPeriod: "month")
        var configuration = try await APIKeyHotPathTests.configuration(clock: clock, prices: ["GET /api/v2/api-keys": 2])
        configuration.usageFlushInterval = .milliseconds(50)
        try await TestApp.run(configuration) { client in
            for _ in 0..<2 {
                try await client.execute(uri: "/api/v2/api-keys", method: .get, headers: [Self.apiKey: target.raw]) { response in
                    #expect(response.status == .ok)
                }
            }
            try await client.execute(uri: "/api/v2/api-keys/\(target.id)", method: .get, headers: [Self.apiKey: target.raw]) { response in
                let key = try response.json
                #expect(key["spend_period_used"] as? String == "4.000000")
                #expect(key["spend_period_start"] as? String == "2026-03-01T00:00:00Z")
            }
            // Same period: used is kept.
            try await client.execute(uri: "/api/v2/api-keys/\(target.id)", method: .patch, headers: Self.headers(admin.raw),
                                     body: Self.json(["name": "renamed", "rate_limit_rpm": 7, "spend_period": "month"])) { response in
                #expect(response.status == .ok)
                let key = try response.json
                #expect(key["name"] as? String == "renamed")
                #expect(key["rate_limit_rpm"] as? Int == 7)
                #expect(key["spend_period_used"] as? String == "4.000000")
                #expect(key["spend_limit"] as? String == "10.000000")
            }
            // A new period starts now with nothing used.
            try await client.execute(uri: "/api/v2/api-keys/\(target.id)", method: .patch, headers: Self.headers(admin.raw),
                                     body: Self.json(["spend_period": "week"])) { response in
                let key = try response.json
                #expect(key["spend_period"] as? String == "week")
                #expect(key["spend_period_used"] as? String == "0.000000")
                #expect(key["spend_period_start"] as? String == "2026-03-09T00:00:00Z")
            }
            // null removes the cap; an absent spend_limit keeps it.
            try await client.execute(uri: "/api/v2/api-keys/\(target.id)", method: .patch, headers: Self.headers(admin.raw),
                                     body: Self.json(["name": "keep cap"])) { response in
                #expect((try? response.json)?["spend_limit"] as? String == "10.000000")
            }
            try await client.execute(uri: "/api/v2/api-keys/\(target.id)", method: .patch, headers: Self.headers(admin.raw),
                                     body: ByteBuffer(string: #"{"spend_limit": null}"#)) { response in
                #expect(response.status == .ok)
                #expect((try? response.json)?["spend_limit"] == nil)
            }
            try await client.execute(uri: "/api/v2/api-keys", method: .get, headers: [Self.apiKey: target.raw]) { response in
                #expect(response.headers[HTTPField.Name("X-Spend-Period-Limit")!] == nil)
                #expect(response.headers[HTTPField.Name("X-RateLimit-Limit")!] == "7")
            }
        }
    }

    @Test func rotateKeepsTheOldSecretOnlyDuringTheGrace() async throws {
        let clock = TestClock("2026-03-10T12:00:00Z")
        let tenant = try await TestKeys.tenant()
        let admin = try await TestKeys.create(tenantID: tenant, scopes: [.accountManage], rateLimitRPM: 0)
        let target = try await TestKeys.create(tenantID: tenant, scopes: [.accountManage], rateLimitRPM: 0)
        try await TestApp.run(try await APIKeyHotPathTests.configuration(clock: clock)) { client in
            let rotated = try await client.execute(uri: "/api/v2/api-keys/\(target.id)/rotate", method: .post,
                                                   headers: Self.headers(admin.raw), body: Self.json(["grace_seconds": 300])) { response in
                #expect(response.status == .ok)
                return try response.json
            }
            #expect(rotated["id"] as? String == target.id.uuidString.lowercased())
            let fresh = try #require(rotated["raw_key"] as? String)
            #expect(fresh != target.raw)
            for raw in [fresh, target.raw] {
                try await client.execute(uri: "/api/v2/api-keys", method: .get, headers: [Self.apiKey: raw]) { response in
                    #expect(response.status == .ok)
                }
            }
            clock.advance(seconds: 301)
            try await client.execute(uri: "/api/v2/api-keys", method: .get, headers: [Self.apiKey: target.raw]) { response in
                #expect(response.status == .unauthorized, "the old secret stops after the grace")
            }
            try await client.execute(uri: "/api/v2/api-keys", method: .get, headers: [Self.apiKey: fresh]) { response in
                #expect(response.status == .ok)
            }
            // Without a grace the old secret stops at once.
            let again = try await client.execute(uri: "/api/v2/api-keys/\(target.id)/rotate", method: .post,
                                                 headers: [Self.apiKey: admin.raw]) { response in
                #expect(response.status == .ok, "\(response.text)")
                return try response.json["raw_key"] as? String
            }
            try await client.execute(uri: "/api/v2/api-keys", method: .get, headers: [Self.apiKey: fresh]) { response in
                #expect(response.status == .unauthorized)
            }
            try await client.execute(uri: "/api/v2/api-keys", method: .get, headers: [Self.apiKey: try #require(again)]) { response in
                #expect(response.status == .ok)
            }
            try await client.execute(uri: "/api/v2/api-keys/\(target.id)/rotate", method: .post, headers: Self.headers(admin.raw),
                                     body: Self.json(["grace_seconds": 604_801])) { response in
                #expect(response.status == .unprocessableContent)
            }
            try await client.execute(uri: "/api/v2/api-keys/\(target.id)", method: .delete, headers: [Self.apiKey: admin.raw]) { response in
                #expect(response.status == .noContent)
            }
            try await client.execute(uri: "/api/v2/api-keys/\(target.id)/rotate", method: .post, headers: [Self.apiKey: admin.raw]) { response in
                #expect(response.status == .conflict)
            }
            try await client.execute(uri: "/api/v2/api-keys/\(target.id)", method: .get, headers: [Self.apiKey: admin.raw]) { response in
                let key = try response.json
                #expect(key["is_active"] as? Bool == false)
                #expect(key["revoked_at"] as? String != nil)
            }
            try await client.execute(uri: "/api/v2/api-keys", method: .get, headers: [Self.apiKey: admin.raw]) { response in
                let ids = try #require(try response.json["items"] as? [[String: Any]]).compactMap { $0["id"] as? String }
                #expect(!ids.contains(target.id.uuidString.lowercased()))
            }
            try await client.execute(uri: "/api/v2/api-keys?include_revoked=true", method: .get, headers: [Self.apiKey: admin.raw]) { response in
                let ids = try #require(try response.json["items"] as? [[String: Any]]).compactMap { $0["id"] as? String }
                #expect(ids.contains(target.id.uuidString.lowercased()))
            }
        }
    }

    @Test func listPagesNewestFirstWithACursor() async throws {
        let tenant = try await TestKeys.tenant()
        let admin = try await TestKeys.create(tenantID: tenant, scopes: [.accountManage], rateLimitRPM: 0)
        try await TestApp.run { client in
            var made: [String] = [admin.id.uuidString.lowercased()]
            for index in 0..<4 {
                let id = try await client.execute(uri: "/api/v2/api-keys", method: .post, headers: Self.headers(admin.raw),
                                                  body: Self.json(["name": "k\(index)", "scopes": []])) { response in
                    try response.json["id"] as? String
                }
                made.append(try #require(id))
            }
            var seen: [String] = []
            var cursor: String?
            repeat {
                let uri = "/api/v2/api-keys?limit=2" + (cursor.map { "&cursor=\($0)" } ?? "")
                cursor = try await client.execute(uri: uri, method: .get, headers: [Self.apiKey: admin.raw]) { response in
                    let body = try response.json
                    let items = try #require(body["items"] as? [[String: Any]])
                    #expect(items.count <= 2)
                    seen += items.compactMap { $0["id"] as? String }
                    return body["next_cursor"] as? String
                }
            } while cursor != nil
            #expect(seen == made.reversed())
            try await client.execute(uri: "/api/v2/api-keys?cursor=bogus", method: .get, headers: [Self.apiKey: admin.raw]) { response in
                #expect(response.status == .unprocessableContent)
            }
        }
    }

    @Test func verifyDecidesLikeADirectCallWithinTheCallersTenant() async throws {
        let clock = TestClock("2026-03-10T12:00:00Z")
        let tenant = try await TestKeys.tenant()
        let other = try await TestKeys.tenant()
        let service = try await TestKeys.create(tenantID: tenant, scopes: [.keysVerify], rateLimitRPM: 0)
        let customer = try await TestKeys.create(tenantID: tenant, scopes: [.messagesSend], rateLimitRPM: 2,
                                                 spendLimit: 1, spendPeriod: "day")
        let foreign = try await TestKeys.create(tenantID: other, scopes: [.messagesSend])
        try await TestApp.run(try await APIKeyHotPathTests.configuration(clock: clock)) { client in
            func verify(_ body: [String: Any]) async throws -> [String: Any] {
                try await client.execute(uri: "/api/v2/keys/verify", method: .post, headers: Self.headers(service.raw),
                                         body: Self.json(body)) { response in
                    #expect(response.status == .ok)
                    return try response.json
                }
            }
            let first = try await verify(["key": customer.raw, "cost": "0.6", "model": "m1", "tokens_in": 10, "tokens_out": 5])
            #expect(first["valid"] as? Bool == true)
            #expect(first["code"] as? String == "valid")
            #expect(first["key_id"] as? String == customer.id.uuidString.lowercased())
            #expect(first["tenant_id"] as? String == tenant.uuidString.lowercased())
            #expect(first["scopes"] as? [String] == ["messages:send"])
            #expect((first["ratelimit"] as? [String: Any])?["remaining"] as? Int == 1)
            #expect((first["spend"] as? [String: Any])?["used"] as? String == "0.600000")
            #expect((first["spend"] as? [String: Any])?["reset"] as? String == "2026-03-11T00:00:00Z")

            let overCap = try await verify(["key": customer.raw, "cost": "0.5"])
            #expect(overCap["valid"] as? Bool == false)
            #expect(overCap["code"] as? String == "spend_limit_exceeded")
            let second = try await verify(["key": customer.raw])
            #expect(second["code"] as? String == "valid")
            let third = try await verify(["key": customer.raw])
            #expect(third["code"] as? String == "rate_limited")

            #expect(try await verify(["key": foreign.raw])["code"] as? String == "not_found")
            #expect(try await verify(["key": "not a key"])["code"] as? String == "not_found")
            try await client.execute(uri: "/api/v2/keys/verify", method: .post, headers: Self.headers(service.raw),
                                     body: Self.json(["key": customer.raw, "cost": "-1"])) { response in
                #expect(response.status == .unprocessableContent)
            }
            // Verifying needs keys:verify.
            try await client.execute(uri: "/api/v2/keys/verify", method: .post, headers: Self.headers(foreign.raw),
                                     body: Self.json(["key": foreign.raw])) { response in
                #expect(response.status == .forbidden)
            }
        }
    }
}
