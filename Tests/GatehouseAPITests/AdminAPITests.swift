import Foundation
import GatehouseAuth
import GatehouseStore
import GatehouseTestSupport
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Postgres
import Testing

/// The operator API over real HTTP and Postgres: master keys only, managed and trial keys,
/// every operation with its refusals.
@Suite("Admin API: master keys, managed and trial keys")
struct AdminAPITests {
    static let base = "/api/v2/admin/api-keys"

    /// Creates a managed key and returns the create response's `api_key` object.
    static func createKey(_ client: any TestClientProtocol, _ master: String, _ body: [String: Any]) async throws -> [String: Any] {
        let response = try await client.requestJSON(.post, base, headers: TestMasterKey.headers(master), body: body)
        #expect(response.status == 201, "\(response.text)")
        return try #require(response.object["api_key"] as? [String: Any])
    }

    static func createTrial(_ client: any TestClientProtocol, _ master: String, _ body: [String: Any]) async throws -> [String: Any] {
        let response = try await client.requestJSON(.post, base + "/trial", headers: TestMasterKey.headers(master), body: body)
        #expect(response.status == 201, "\(response.text)")
        return try #require(response.object["api_key"] as? [String: Any])
    }

    @Test func onlyAMasterKeyReachesAdmin() async throws {
        let master = try await TestMasterKey.create()
        try await TestApp.run { client in
            // No credential at all.
            var response = try await client.requestJSON(.get, Self.base)
            #expect(response.status == 401)
            #expect(response.error == "unauthorized")
            // A well-formed master key that does not exist.
            let unknown = KeyFormat(prefix: "gk").generate(.admin)
            response = try await client.requestJSON(.get, Self.base, headers: TestMasterKey.headers(unknown))
            #expect(response.status == 401)
            // A tenant key that does not exist is not an operator either.
            let live = KeyFormat(prefix: "gk").generate(.live)
            response = try await client.requestJSON(.get, Self.base, headers: TestMasterKey.headers(live))
            #expect(response.status == 401)
            // Garbage in X-API-Key.
            response = try await client.requestJSON(.get, Self.base, headers: TestMasterKey.headers("gk_admin_nothex"))
            #expect(response.status == 401)
            // A master key plus a bearer token: refused, the operator path takes the key alone.
            var both = TestMasterKey.headers(master)
            both[.authorization] = "Bearer abc.def.ghi"
            response = try await client.requestJSON(.get, Self.base, headers: both)
            #expect([401, 403].contains(response.status))
            // The master key works on /admin ...
            response = try await client.requestJSON(.get, Self.base, headers: TestMasterKey.headers(master))
            #expect(response.status == 200, "\(response.text)")
            // A valid tenant key, even an admin one, is a tenant credential: 403.
            let tenantKey = try await AdminFixtures.key(client, master: master, ["is_admin": true])
            response = try await client.requestJSON(.get, Self.base, headers: tenantKey.headers)
            #expect(response.status == 403)
            #expect(response.error == "forbidden")
            response = try await client.requestJSON(.post, Self.base, headers: tenantKey.headers, body: ["name": "x", "type": "standard"])
            #expect(response.status == 403)
            // ... and is refused on tenant operations.
            response = try await client.requestJSON(.get, "/api/v2/tenant/settings", headers: TestMasterKey.headers(master))
            #expect(response.status == 403)
            #expect(response.error == "forbidden")
            response = try await client.requestJSON(.post, "/api/v2/sessions", headers: TestMasterKey.headers(master),
                                                    body: ["name": "x"])
            #expect(response.status == 403)
        }
    }

    @Test func createMakesANewTenantAndStoresOnlyTheHash() async throws {
        let master = try await TestMasterKey.create()
        let pool = try await TestDatabase.appPool(maxConnections: 1)
        defer { Task { await pool.shutdown() } }
        let database = Database(pool: pool)
        try await TestApp.run { client in
            let response = try await client.requestJSON(.post, Self.base, headers: TestMasterKey.headers(master), body: [
                "name": "Customer: John Doe", "type": "premium", "rate_limit_general": 100, "rate_limit_messages": 30,
                "rate_limit_sessions": 10, "max_sessions": 5, "metadata": ["customer_id": "123", "tags": ["a", "b"]],
            ])
            #expect(response.status == 201, "\(response.text)")
            #expect(response.object["warning"] as? String != nil)
            let key = try #require(response.object["api_key"] as? [String: Any])
            let raw = try #require(key["key"] as? String)
            #expect(KeyFormat(prefix: "gk").kind(of: raw) == .live)
            #expect(key["key_prefix"] as? String == String(raw.prefix(12)))
            #expect(key["name"] as? String == "Customer: John Doe")
            #expect(key["type"] as? String == "premium")
            #expect(key["is_admin"] as? Bool == false)
            #expect(key["is_active"] as? Bool == true)
            #expect(key["is_trial"] as? Bool == false)
            #expect(key["max_sessions"] as? Int == 5)
            #expect(key["rate_limits"] as? [String: Int] == ["general": 100, "messages": 30, "sessions": 10])
            let metadata = try #require(key["metadata"] as? [String: Any])
            #expect(metadata["customer_id"] as? String == "123")
            #expect(metadata["tags"] as? [String] == ["a", "b"])
            #expect(key["usage"] as? [String: Int] == ["messages_sent": 0, "sessions_created": 0])
            let id = try #require(UUID(uuidString: key["id"] as? String ?? ""))
            let tenant = try #require(UUID(uuidString: key["tenant_id"] as? String ?? ""))

            // The new tenant has its subscription (free) and settings; the key row holds the
            // HMAC of the raw key and never the key itself.
            try await database.withTenant(tenant) { session in
                let plan = try await session.query("SELECT plan_id FROM subscriptions").first?.decode("plan_id", as: String.self)
                #expect(plan == "free")
                #expect(try await session.query("SELECT 1 FROM tenant_settings").count == 1)
                let row = try #require(try await session.query(
                    "SELECT key_hash, managed, scopes, key_prefix FROM api_keys WHERE id = \(id)").first)
                #expect(try row.decode("key_hash", as: Data.self) == KeyHasher(pepper: TestApp.keyPepper).hash(raw))
                #expect(try row.decode("managed", as: Bool.self))
                let scopes = Set(try row.decode("scopes", as: [String].self))
                #expect(scopes.contains("sessions:manage") && scopes.contains("messages:send"))
                #expect(!scopes.contains("account:manage"))
                let leaked = try await session.query("""
                    SELECT count(*) AS n FROM api_keys k
                     WHERE position(\(raw) IN k::text) > 0 OR position(\(String(raw.suffix(64))) IN k::text) > 0
                    """).first!.decode("n", as: Int.self)
                #expect(leaked == 0)
            }

            // GET shows the same key without the secret.
            let got = try await client.requestJSON(.get, Self.base + "/\(id.uuidString)", headers: TestMasterKey.headers(master))
            #expect(got.status == 200)
            #expect(got.object["key"] == nil)
            #expect(got.object["name"] as? String == "Customer: John Doe")

            // An admin key holds every tenant scope.
            let admin = try await Self.createKey(client, master, ["name": "ops", "type": "standard", "is_admin": true])
            let adminID = try #require(UUID(uuidString: admin["id"] as? String ?? ""))
            #expect(admin["is_admin"] as? Bool == true)
            // Defaults of a paid key.
            #expect(admin["rate_limits"] as? [String: Int] == ["general": 60, "messages": 30, "sessions": 10])
            #expect(admin["max_sessions"] as? Int == 5)
            let adminTenant = try #require(UUID(uuidString: admin["tenant_id"] as? String ?? ""))
            #expect(adminTenant != tenant)
            try await database.withTenant(adminTenant) { session in
                let scopes = try await session.query("SELECT scopes FROM api_keys WHERE id = \(adminID)").first!
                    .decode("scopes", as: [String].self)
                #expect(Set(scopes).count == 11)
            }
        }
    }

    @Test func createInAnExistingTenant() async throws {
        let master = try await TestMasterKey.create()
        let pool = try await TestDatabase.appPool(maxConnections: 1)
        defer { Task { await pool.shutdown() } }
        let tenant = try await TestTenant.create(in: Database(pool: pool), name: "Existing customer")
        try await TestApp.run { client in
            let key = try await Self.createKey(client, master, [
                "name": "second key", "type": "standard", "tenant_id": tenant.uuidString.lowercased()])
            #expect(key["tenant_id"] as? String == tenant.uuidString.lowercased())
            // A tenant that does not exist is a bad body, not a new tenant.
            let response = try await client.requestJSON(.post, Self.base, headers: TestMasterKey.headers(master), body: [
                "name": "x", "type": "standard", "tenant_id": UUID().uuidString])
            #expect(response.status == 422)
            #expect(response.error == "validation_failed")
            #expect((response.object["errors"] as? [[String: Any]])?.first?["field"] as? String == "tenant_id")
        }
    }

    @Test func invalidCreateBodiesAre422AndChangeNothing() async throws {
        let master = try await TestMasterKey.create()
        try await TestApp.run { client in
            let bad: [([String: Any], String)] = [
                (["type": "standard"], "name"),
                (["name": "", "type": "standard"], "name"),
                (["name": String(repeating: "n", count: 65), "type": "standard"], "name"),
                (["name": "x"], "type"),
                (["name": "x", "type": "trial"], "type"),
                (["name": "x", "type": "standard", "rate_limit_general": -1], "rate_limit_general"),
                (["name": "x", "type": "standard", "rate_limit_messages": -5], "rate_limit_messages"),
                (["name": "x", "type": "standard", "rate_limit_sessions": -5], "rate_limit_sessions"),
                (["name": "x", "type": "standard", "max_sessions": 0], "max_sessions"),
                (["name": "x", "type": "standard", "tenant_id": "not-a-uuid"], "tenant_id"),
                (["name": "x", "type": "standard", "metadata": ["blob": String(repeating: "x", count: 9000)]], "metadata"),
                (["name": "x", "type": "standard", "metadata": "not an object"], "metadata"),
            ]
            for (body, field) in bad {
                let response = try await client.requestJSON(.post, Self.base, headers: TestMasterKey.headers(master), body: body)
                #expect(response.status == 422, "\(body): \(response.text)")
                #expect(response.error == "validation_failed", "\(body)")
                let fields = (response.object["errors"] as? [[String: Any]])?.compactMap { $0["field"] as? String } ?? []
                #expect(fields.contains { $0.hasPrefix(field) }, "\(body): \(fields)")
            }
            let notJSON = try await client.execute(
                uri: Self.base, method: .post, headers: TestMasterKey.headers(master), body: ByteBuffer(string: "{nope")
            ) { Int($0.status.code) }
            #expect(notJSON == 400)
        }
    }

    @Test func trialKeysHaveExpiryNumbersAndDefaults() async throws {
        let master = try await TestMasterKey.create()
        try await TestApp.run { client in
            let before = Date()
            let response = try await client.requestJSON(.post, Self.base + "/trial", headers: TestMasterKey.headers(master), body: [
                "name": "prospect@example.com", "trial_days": 7, "allowed_numbers": ["+919876543210", "+919876543211"],
            ])
            #expect(response.status == 201, "\(response.text)")
            let key = try #require(response.object["api_key"] as? [String: Any])
            #expect(key["name"] as? String == "Trial: prospect@example.com")
            #expect(key["type"] as? String == "trial")
            #expect(key["is_trial"] as? Bool == true)
            #expect(key["allowed_numbers"] as? [String] == ["+919876543210", "+919876543211"])
            #expect((key["rate_limits"] as? [String: Int])?["messages"] == 10)
            #expect(key["max_sessions"] as? Int == 1)
            let expires = try #require(ISO8601DateFormatter().date(from: key["trial_expires_at"] as? String ?? ""))
            #expect(abs(expires.timeIntervalSince(before) - 7 * 86_400) < 120)
            let info = try #require(response.object["trial_info"] as? [String: Any])
            #expect(info["allowed_numbers"] as? [String] == ["+919876543210", "+919876543211"])
            #expect(info["expires_at"] as? String == key["trial_expires_at"] as? String)
            #expect((info["restrictions"] as? String)?.isEmpty == false)

            let custom = try await Self.createTrial(client, master, [
                "name": "p2", "trial_days": 1, "allowed_numbers": ["+15550000001"], "rate_limit_messages": 3, "max_sessions": 2])
            #expect((custom["rate_limits"] as? [String: Int])?["messages"] == 3)
            #expect(custom["max_sessions"] as? Int == 2)

            let bad: [([String: Any], String)] = [
                (["name": "x", "trial_days": 0, "allowed_numbers": ["+15550000001"]], "trial_days"),
                (["name": "x", "trial_days": 366, "allowed_numbers": ["+15550000001"]], "trial_days"),
                (["name": "x", "trial_days": 7, "allowed_numbers": []], "allowed_numbers"),
                (["name": "x", "trial_days": 7, "allowed_numbers": ["5550000001"]], "allowed_numbers"),
                (["name": "x", "trial_days": 7, "allowed_numbers": ["+15550000001", "+15550000001"]], "allowed_numbers"),
                (["name": "x", "trial_days": 7], "allowed_numbers"),
                (["name": "", "trial_days": 7, "allowed_numbers": ["+15550000001"]], "name"),
                (["name": "x", "trial_days": 7, "allowed_numbers": ["+15550000001"], "max_sessions": 0], "max_sessions"),
            ]
            for (body, field) in bad {
                let response = try await client.requestJSON(.post, Self.base + "/trial", headers: TestMasterKey.headers(master), body: body)
                #expect(response.status == 422, "\(body): \(response.text)")
                let fields = (response.object["errors"] as? [[String: Any]])?.compactMap { $0["field"] as? String } ?? []
                #expect(fields.contains { $0.hasPrefix(field) }, "\(body): \(fields)")
            }
        }
    }

    @Test func getUpdateRateLimitsActivateDeactivateAndTheir404s() async throws {
        let master = try await TestMasterKey.create()
        try await TestApp.run { client in
            let headers = TestMasterKey.headers(master)
            let key = try await Self.createKey(client, master, ["name": "updatable", "type": "standard"])
            let path = Self.base + "/" + (key["id"] as! String)

            var response = try await client.requestJSON(.put, path, headers: headers, body: [
                "name": "Updated Name", "rate_limit_messages": 50, "max_sessions": 10, "metadata": ["plan": "gold"]])
            #expect(response.status == 200, "\(response.text)")
            #expect(response.object["name"] as? String == "Updated Name")
            #expect(response.object["rate_limits"] as? [String: Int] == ["general": 60, "messages": 50, "sessions": 10])
            #expect(response.object["max_sessions"] as? Int == 10)
            #expect((response.object["metadata"] as? [String: Any])?["plan"] as? String == "gold")

            // Absent fields stay; 0 lifts a per-class cap.
            response = try await client.requestJSON(.put, path + "/rate-limits", headers: headers, body: [
                "general": 200, "sessions": 0])
            #expect(response.status == 200, "\(response.text)")
            #expect(response.object["rate_limits"] as? [String: Int] == ["general": 200, "messages": 50, "sessions": 0])
            #expect(response.object["name"] as? String == "Updated Name")

            response = try await client.requestJSON(.post, path + "/deactivate", headers: headers)
            #expect(response.status == 200)
            #expect(response.object["is_active"] as? Bool == false)
            // Deactivated keys leave the default list but not the inactive one.
            response = try await client.requestJSON(.get, path, headers: headers)
            #expect(response.object["is_active"] as? Bool == false)
            response = try await client.requestJSON(.post, path + "/activate", headers: headers)
            #expect(response.status == 200)
            #expect(response.object["is_active"] as? Bool == true)
            response = try await client.requestJSON(.post, path + "/activate", headers: headers)
            #expect(response.status == 200)   // idempotent

            // Invalid bodies: 422 and nothing changes.
            for body: [String: Any] in [["name": ""], ["rate_limit_general": -1], ["max_sessions": 0],
                                        ["metadata": ["x": String(repeating: "y", count: 9000)]]] {
                response = try await client.requestJSON(.put, path, headers: headers, body: body)
                #expect(response.status == 422, "\(body): \(response.text)")
            }
            for body: [String: Any] in [["general": -1], ["messages": -2], ["sessions": "ten"]] {
                response = try await client.requestJSON(.put, path + "/rate-limits", headers: headers, body: body)
                #expect(response.status == 422, "\(body): \(response.text)")
            }
            response = try await client.requestJSON(.get, path, headers: headers)
            #expect(response.object["name"] as? String == "Updated Name")
            #expect(response.object["rate_limits"] as? [String: Int] == ["general": 200, "messages": 50, "sessions": 0])

            // Unknown ids (and ids that are not UUIDs) are 404 on every operation.
            for id in [UUID().uuidString, "not-a-uuid"] {
                let unknown = Self.base + "/" + id
                let calls: [(HTTPRequest.Method, String, [String: Any]?)] = [
                    (.get, unknown, nil), (.put, unknown, ["name": "x"]), (.delete, unknown, nil),
                    (.put, unknown + "/rate-limits", ["general": 1]), (.post, unknown + "/deactivate", nil),
                    (.post, unknown + "/activate", nil), (.post, unknown + "/extend-trial", ["days": 1]),
                    (.post, unknown + "/convert-to-paid", ["type": "standard"]), (.get, unknown + "/usage", nil),
                ]
                for (method, uri, body) in calls {
                    response = try await client.requestJSON(method, uri, headers: headers, body: body)
                    #expect(response.status == 404, "\(method) \(uri): \(response.text)")
                    #expect(response.error == "not_found")
                }
            }
        }
    }

    @Test func extendTrialAndConvertToPaid() async throws {
        let master = try await TestMasterKey.create()
        try await TestApp.run { client in
            let headers = TestMasterKey.headers(master)
            let trial = try await Self.createTrial(client, master, [
                "name": "converting", "trial_days": 3, "allowed_numbers": ["+15550001111"]])
            let path = Self.base + "/" + (trial["id"] as! String)
            let formatter = ISO8601DateFormatter()
            let firstExpiry = try #require(formatter.date(from: trial["trial_expires_at"] as? String ?? ""))

            var response = try await client.requestJSON(.post, path + "/extend-trial", headers: headers, body: ["days": 4])
            #expect(response.status == 200, "\(response.text)")
            let extended = try #require(formatter.date(from: response.object["trial_expires_at"] as? String ?? ""))
            #expect(abs(extended.timeIntervalSince(firstExpiry) - 4 * 86_400) < 2)

            for days in [0, 366] {
                response = try await client.requestJSON(.post, path + "/extend-trial", headers: headers, body: ["days": days])
                #expect(response.status == 422)
            }
            response = try await client.requestJSON(.post, path + "/convert-to-paid", headers: headers, body: ["type": "gold"])
            #expect(response.status == 422)

            response = try await client.requestJSON(.post, path + "/convert-to-paid", headers: headers, body: [
                "type": "premium", "rate_limit_messages": 40, "max_sessions": 3])
            #expect(response.status == 200, "\(response.text)")
            #expect(response.object["id"] as? String == trial["id"] as? String)
            #expect(response.object["tenant_id"] as? String == trial["tenant_id"] as? String)
            #expect(response.object["type"] as? String == "premium")
            #expect(response.object["is_trial"] as? Bool == false)
            #expect(response.object["trial_expires_at"] == nil)
            #expect(response.object["allowed_numbers"] as? [String] == [])
            #expect(response.object["rate_limits"] as? [String: Int] == ["general": 60, "messages": 40, "sessions": 10])
            #expect(response.object["max_sessions"] as? Int == 3)

            // Now a paid key: neither operation applies.
            response = try await client.requestJSON(.post, path + "/extend-trial", headers: headers, body: ["days": 1])
            #expect(response.status == 409)
            #expect(response.error == "conflict")
            response = try await client.requestJSON(.post, path + "/convert-to-paid", headers: headers, body: ["type": "standard"])
            #expect(response.status == 409)
            let paid = try await Self.createKey(client, master, ["name": "always paid", "type": "standard"])
            response = try await client.requestJSON(.post, Self.base + "/\(paid["id"] as! String)/extend-trial",
                                                    headers: headers, body: ["days": 1])
            #expect(response.status == 409)
        }
    }

    @Test func deleteIsPermanent() async throws {
        let master = try await TestMasterKey.create()
        try await TestApp.run { client in
            let headers = TestMasterKey.headers(master)
            let key = try await Self.createKey(client, master, ["name": "doomed", "type": "standard"])
            let path = Self.base + "/" + (key["id"] as! String)
            var response = try await client.requestJSON(.delete, path, headers: headers)
            #expect(response.status == 204)
            response = try await client.requestJSON(.get, path, headers: headers)
            #expect(response.status == 404)
            response = try await client.requestJSON(.delete, path, headers: headers)
            #expect(response.status == 404)
        }
    }

    @Test func listFiltersAndPaginatesOverAllKeys() async throws {
        try await ScratchApp.run { client, context in
            let master = context.masterKey
            let headers = TestMasterKey.headers(master)
            let standard = try await Self.createKey(client, master, ["name": "s1", "type": "standard"])
            let premium = try await Self.createKey(client, master, ["name": "p1", "type": "premium"])
            let trial = try await Self.createTrial(client, master, ["name": "t1", "trial_days": 2, "allowed_numbers": ["+15550002222"]])
            let inactive = try await Self.createKey(client, master, ["name": "s2", "type": "standard"])
            _ = try await client.requestJSON(.post, Self.base + "/\(inactive["id"] as! String)/deactivate", headers: headers)

            func ids(_ query: String) async throws -> [String] {
                var all: [String] = []
                var cursor: String?
                repeat {
                    var uri = Self.base + "?limit=1" + query
                    if let cursor { uri += "&cursor=" + cursor }
                    let response = try await client.requestJSON(.get, uri, headers: headers)
                    #expect(response.status == 200, "\(response.text)")
                    let items = response.object["items"] as? [[String: Any]] ?? []
                    #expect(items.count <= 1)
                    all += items.compactMap { $0["id"] as? String }
                    // Always present: a string, or null on the last page.
                    #expect(response.object["next_cursor"] is String || response.object["next_cursor"] is NSNull)
                    cursor = response.object["next_cursor"] as? String
                } while cursor != nil && all.count < 20
                return all
            }
            let id = { (key: [String: Any]) in key["id"] as! String }
            // Oldest first; inactive keys only on request; type filters (trial by is_trial).
            #expect(try await ids("") == [id(standard), id(premium), id(trial)])
            #expect(try await ids("&include_inactive=true") == [id(standard), id(premium), id(trial), id(inactive)])
            #expect(try await ids("&type=premium") == [id(premium)])
            #expect(try await ids("&type=trial") == [id(trial)])
            #expect(try await ids("&type=standard&include_inactive=true") == [id(standard), id(inactive)])

            var response = try await client.requestJSON(.get, Self.base + "?type=gold", headers: headers)
            #expect([400, 422].contains(response.status))
            response = try await client.requestJSON(.get, Self.base + "?cursor=garbage", headers: headers)
            #expect(response.status == 400)
            response = try await client.requestJSON(.get, Self.base + "?limit=0", headers: headers)
            #expect(response.status == 422)
            response = try await client.requestJSON(.get, Self.base + "?limit=100000", headers: headers)
            #expect(response.status == 200)
            #expect((response.object["items"] as? [Any])?.count == 3)
        }
    }

    @Test func usageCountsKeysOnAFreshPlatform() async throws {
        try await ScratchApp.run { client, context in
            let master = context.masterKey
            let headers = TestMasterKey.headers(master)
            _ = try await Self.createKey(client, master, ["name": "s1", "type": "standard"])
            _ = try await Self.createKey(client, master, ["name": "a1", "type": "premium", "is_admin": true])
            let trial = try await Self.createTrial(client, master, ["name": "t1", "trial_days": 2, "allowed_numbers": ["+15550002222"]])
            let off = try await Self.createKey(client, master, ["name": "s2", "type": "standard"])
            _ = try await client.requestJSON(.post, Self.base + "/\(off["id"] as! String)/deactivate", headers: headers)

            let response = try await client.requestJSON(.get, "/api/v2/admin/usage", headers: headers)
            #expect(response.status == 200, "\(response.text)")
            let stats = try #require(response.object["stats"] as? [String: Any])
            #expect(stats["total_keys"] as? Int == 4)
            #expect(stats["active_keys"] as? Int == 3)
            #expect(stats["trial_keys"] as? Int == 1)
            #expect(stats["admin_keys"] as? Int == 1)
            #expect(stats["total_sessions"] as? Int == 0)
            #expect(stats["total_messages_sent"] as? Int == 0)
            #expect(stats["keys_by_type"] as? [String: Int] == ["standard": 2, "premium": 1, "trial": 1])
            let keys = try #require(response.object["keys"] as? [[String: Any]])
            #expect(keys.count == 4)
            let trialRow = try #require(keys.first { $0["id"] as? String == trial["id"] as? String })
            #expect(trialRow["type"] as? String == "trial")
            #expect(trialRow["session_stats"] as? [String: Int] == ["sessions": 0, "messages_sent": 0])
            #expect(keys.first { $0["id"] as? String == off["id"] as? String }?["is_active"] as? Bool == false)

            let usage = try await client.requestJSON(.get, Self.base + "/\(trial["id"] as! String)/usage", headers: headers)
            #expect(usage.status == 200)
            #expect(usage.object["api_key"] as? [String: String] == [
                "id": trial["id"] as! String, "name": "Trial: t1", "type": "trial"])
            #expect(usage.object["usage"] as? [String: Int] == [
                "total_sessions": 0, "active_sessions": 0, "total_messages_sent": 0, "total_messages_received": 0])
            #expect((usage.object["sessions"] as? [Any])?.isEmpty == true)
        }
    }
}
