import Foundation
import GatehouseAPI
import GatehouseStore
import GatehouseTestSupport
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Postgres
import Testing

/// The simulated channel over real HTTP: sessions, sends with cost, inbound messages, trial and
/// tenant number restrictions, plan limits, and the caps under parallel creates.
@Suite("Messaging: sessions, messages, trial restrictions, plan limits, concurrency caps")
struct MessagingAPITests {
    static func createSession(_ client: any TestClientProtocol, _ key: AdminFixtures.Key, name: String = "s",
                              phone: String? = nil) async throws -> TestJSONResponse {
        var body: [String: Any] = ["name": name]
        if let phone { body["phone_number"] = phone }
        return try await client.requestJSON(.post, "/api/v2/sessions", headers: key.headers, body: body)
    }

    static func send(_ client: any TestClientProtocol, _ key: AdminFixtures.Key, session: String, to: String,
                     text: String = "hello") async throws -> TestJSONResponse {
        try await client.requestJSON(.post, "/api/v2/messages", headers: key.headers,
                                     body: ["session_id": session, "to": to, "text": text])
    }

    @Test func sessionLifecycleAndTenantIsolation() async throws {
        let master = try await TestMasterKey.create()
        let database = try await AdminFixtures.database()
        defer { Task { await database.pool.shutdown() } }
        try await TestApp.run { client in
            let key = try await AdminFixtures.key(client, master: master)
            try await AdminFixtures.setPlan("business", tenantID: key.tenantID, database: database)
            let other = try await AdminFixtures.key(client, master: master)

            var response = try await Self.createSession(client, key, name: "my-whatsapp", phone: "+919876543210")
            #expect(response.status == 201, "\(response.text)")
            #expect(response.object["state"] as? String == "ready")
            #expect(response.object["phone_number"] as? String == "+919876543210")
            #expect(response.object["messages_sent"] as? Int == 0)
            let first = try #require(response.object["id"] as? String)
            response = try await Self.createSession(client, key, name: "second")
            let second = try #require(response.object["id"] as? String)
            #expect(response.object["phone_number"] == nil)

            // Newest first, paginated.
            response = try await client.requestJSON(.get, "/api/v2/sessions?limit=1", headers: key.headers)
            #expect(response.status == 200)
            #expect((response.object["items"] as? [[String: Any]])?.first?["id"] as? String == second)
            let cursor = try #require(response.object["next_cursor"] as? String)
            response = try await client.requestJSON(.get, "/api/v2/sessions?limit=1&cursor=\(cursor)", headers: key.headers)
            #expect((response.object["items"] as? [[String: Any]])?.first?["id"] as? String == first)
            #expect(response.object["next_cursor"] is NSNull, "the last page says next_cursor: null")

            // Inbound messages count as received.
            response = try await client.requestJSON(.post, "/api/v2/sessions/\(first)/inbound", headers: key.headers,
                                                    body: ["from": "+15551230000", "text": "hi there"])
            #expect(response.status == 202, "\(response.text)")
            response = try await client.requestJSON(.get, "/api/v2/sessions/\(first)", headers: key.headers)
            #expect(response.object["messages_received"] as? Int == 1)

            // Another tenant sees none of it: 404, never 403.
            for (method, uri, body) in [
                (HTTPRequest.Method.get, "/api/v2/sessions/\(first)", nil as [String: Any]?),
                (.delete, "/api/v2/sessions/\(first)", nil),
                (.post, "/api/v2/sessions/\(first)/inbound", ["from": "+15551230000", "text": "x"]),
                (.post, "/api/v2/messages", ["session_id": first, "to": "+15551230000", "text": "x"]),
            ] {
                response = try await client.requestJSON(method, uri, headers: other.headers, body: body)
                #expect(response.status == 404, "\(method) \(uri): \(response.text)")
            }
            response = try await client.requestJSON(.get, "/api/v2/sessions", headers: other.headers)
            #expect((response.object["items"] as? [Any])?.isEmpty == true)

            // Bad bodies are 422 naming the field.
            for (body, field) in [(["name": ""], "name"), (["name": "x", "phone_number": "12345"], "phone_number"),
                                  (["name": String(repeating: "x", count: 65)], "name")] as [([String: Any], String)] {
                response = try await client.requestJSON(.post, "/api/v2/sessions", headers: key.headers, body: body)
                #expect(response.status == 422, "\(body)")
                #expect((response.object["errors"] as? [[String: Any]])?.first?["field"] as? String == field)
            }
            response = try await client.requestJSON(.post, "/api/v2/sessions/\(first)/inbound", headers: key.headers,
                                                    body: ["from": "nobody", "text": "x"])
            #expect(response.status == 422)

            // Delete: 204, then gone.
            response = try await client.requestJSON(.delete, "/api/v2/sessions/\(first)", headers: key.headers)
            #expect(response.status == 204)
            response = try await client.requestJSON(.get, "/api/v2/sessions/\(first)", headers: key.headers)
            #expect(response.status == 404)
            response = try await client.requestJSON(.delete, "/api/v2/sessions/\(first)", headers: key.headers)
            #expect(response.status == 404)
            response = try await Self.send(client, key, session: first, to: "+15551230000")
            #expect(response.status == 404)
        }
    }

    @Test func sendsAreRecordedWithTheirCost() async throws {
        let master = try await TestMasterKey.create()
        try await TestApp.run { client in
            let key = try await AdminFixtures.key(client, master: master)
            let session = try #require(try await Self.createSession(client, key).object["id"] as? String)

            var response = try await Self.send(client, key, session: session, to: "+15551234567", text: "hello")
            #expect(response.status == 202, "\(response.text)")
            #expect(response.object["status"] as? String == "sent")
            #expect(response.object["cost"] as? String == "0.010000")
            #expect(response.object["to"] as? String == "+15551234567")
            #expect(response.object["session_id"] as? String == session)

            response = try await client.requestJSON(.get, "/api/v2/sessions/\(session)", headers: key.headers)
            #expect(response.object["messages_sent"] as? Int == 1)
            response = try await client.requestJSON(.get, "/api/v2/admin/api-keys/\(key.id)", headers: TestMasterKey.headers(master))
            #expect(response.object["usage"] as? [String: Int] == ["messages_sent": 1, "sessions_created": 1])

            for (body, field) in [
                (["session_id": session, "to": "5551234567", "text": "x"], "to"),
                (["session_id": session, "to": "+15551234567", "text": ""], "text"),
                (["session_id": session, "to": "+15551234567", "text": String(repeating: "x", count: 4097)], "text"),
                (["session_id": "nope", "to": "+15551234567", "text": "x"], "session_id"),
                (["session_id": session, "to": "+15551234567"], "text"),
            ] as [([String: Any], String)] {
                response = try await client.requestJSON(.post, "/api/v2/messages", headers: key.headers, body: body)
                #expect(response.status == 422, "\(body): \(response.text)")
                #expect((response.object["errors"] as? [[String: Any]])?.first?["field"] as? String == field)
            }
            response = try await Self.send(client, key, session: UUID().uuidString, to: "+15551234567")
            #expect(response.status == 404)
            // Exactly 4096 characters is fine.
            response = try await Self.send(client, key, session: session, to: "+15551234567", text: String(repeating: "é", count: 4096))
            #expect(response.status == 202)
        }
    }

    @Test func theMessagePriceComesFromRoutePrices() async throws {
        let master = try await TestMasterKey.create()
        var configuration = try await TestApp.configuration()
        configuration.routePrices = ["POST /api/v2/messages": Decimal(string: "0.25")!]
        try await TestApp.run(configuration) { client in
            let key = try await AdminFixtures.key(client, master: master)
            let session = try #require(try await Self.createSession(client, key).object["id"] as? String)
            let response = try await Self.send(client, key, session: session, to: "+15551234567")
            #expect(response.status == 202, "\(response.text)")
            #expect(response.object["cost"] as? String == "0.250000")
            #expect(response.headers[HTTPField.Name("X-Cost")!] == "0.250000")
        }
    }

    @Test func trialKeysSendOnlyToTheirNumbersAndExpire() async throws {
        let master = try await TestMasterKey.create()
        let database = try await AdminFixtures.database()
        defer { Task { await database.pool.shutdown() } }
        try await TestApp.run { client in
            let allowed = "+919876543210"
            let trial = try await AdminFixtures.trial(client, master: master, numbers: [allowed])
            let session = try #require(try await Self.createSession(client, trial).object["id"] as? String)

            var response = try await Self.send(client, trial, session: session, to: allowed)
            #expect(response.status == 202, "\(response.text)")
            response = try await Self.send(client, trial, session: session, to: "+15550009999")
            #expect(response.status == 403)
            #expect(response.error == "number_not_allowed")

            // The trial's max_sessions defaults to 1.
            response = try await Self.createSession(client, trial)
            #expect(response.status == 409)
            #expect(response.error == "max_sessions_reached")

            // Past its expiry every call is 401 trial_expired.
            try await database.withTenant(trial.tenantID) { session in
                try await session.execute("""
                    UPDATE api_keys SET trial_expires_at = now() - interval '1 second' WHERE id = \(UUID(uuidString: trial.id)!)
                    """)
            }
            response = try await Self.send(client, trial, session: session, to: allowed)
            #expect(response.status == 401)
            #expect(response.error == "trial_expired")
            response = try await client.requestJSON(.get, "/api/v2/sessions", headers: trial.headers)
            #expect(response.status == 401)
            #expect(response.error == "trial_expired")

            // Extending revives it (counted from now, as it had expired).
            response = try await client.requestJSON(.post, "/api/v2/admin/api-keys/\(trial.id)/extend-trial",
                                                    headers: TestMasterKey.headers(master), body: ["days": 2])
            #expect(response.status == 200)
            response = try await Self.send(client, trial, session: session, to: allowed)
            #expect(response.status == 202, "\(response.text)")

            // Converted to paid: the number restriction is lifted, same key.
            response = try await client.requestJSON(.post, "/api/v2/admin/api-keys/\(trial.id)/convert-to-paid",
                                                    headers: TestMasterKey.headers(master), body: ["type": "standard"])
            #expect(response.status == 200)
            response = try await Self.send(client, trial, session: session, to: "+15550009999")
            #expect(response.status == 202, "\(response.text)")
            response = try await client.requestJSON(.get, "/api/v2/admin/api-keys/\(trial.id)", headers: TestMasterKey.headers(master))
            #expect((response.object["usage"] as? [String: Int])?["messages_sent"] == 3)
        }
    }

    @Test func tenantAllowedNumbersRestrictSends() async throws {
        let master = try await TestMasterKey.create()
        try await TestApp.run { client in
            let admin = try await AdminFixtures.key(client, master: master, ["is_admin": true])
            let session = try #require(try await Self.createSession(client, admin).object["id"] as? String)
            var response = try await client.requestJSON(.patch, "/api/v2/tenant/settings", headers: admin.headers,
                                                        body: ["allowed_numbers": ["+15550000001"]])
            #expect(response.status == 200, "\(response.text)")
            response = try await Self.send(client, admin, session: session, to: "+15550000002")
            #expect(response.status == 403)
            #expect(response.error == "number_not_allowed")
            response = try await Self.send(client, admin, session: session, to: "+15550000001")
            #expect(response.status == 202)
            // An empty list allows every number again.
            _ = try await client.requestJSON(.patch, "/api/v2/tenant/settings", headers: admin.headers, body: ["allowed_numbers": []])
            response = try await Self.send(client, admin, session: session, to: "+15550000002")
            #expect(response.status == 202)
        }
    }

    @Test func requireApprovalQueuesSends() async throws {
        let master = try await TestMasterKey.create()
        try await TestApp.run { client in
            let admin = try await AdminFixtures.key(client, master: master, ["is_admin": true])
            let session = try #require(try await Self.createSession(client, admin).object["id"] as? String)
            var response = try await client.requestJSON(.patch, "/api/v2/tenant/settings", headers: admin.headers,
                                                        body: ["require_approval": true])
            #expect(response.status == 200)
            response = try await Self.send(client, admin, session: session, to: "+15550000001")
            #expect(response.status == 202)
            #expect(response.object["status"] as? String == "pending_approval")
            let message = try #require(response.object["id"] as? String)
            // Not sent yet: no counter moved.
            response = try await client.requestJSON(.get, "/api/v2/sessions/\(session)", headers: admin.headers)
            #expect(response.object["messages_sent"] as? Int == 0)
            // Approval is for owner/admin users; an API key (even an admin one) is refused.
            response = try await client.requestJSON(.post, "/api/v2/messages/\(message)/approve", headers: admin.headers)
            #expect(response.status == 403)
        }
    }

    @Test func planMonthlyMessagesGive402() async throws {
        let master = try await TestMasterKey.create()
        let database = try await AdminFixtures.database()
        defer { Task { await database.pool.shutdown() } }
        try await TestApp.run { client in
            let key = try await AdminFixtures.key(client, master: master, ["rate_limit_messages": 0])
            let session = try #require(try await Self.createSession(client, key).object["id"] as? String)
            // The free plan allows 100 a month: 99 already went out this month.
            try await database.withTenant(key.tenantID) { db in
                try await db.execute("""
                    INSERT INTO messages (tenant_id, session_id, direction, peer_number, text, status)
                    SELECT \(key.tenantID), \(UUID(uuidString: session)!), 'outbound', '+15550000001', 'old', 'sent'
                      FROM generate_series(1, 99)
                    """)
            }
            var response = try await Self.send(client, key, session: session, to: "+15550000001")
            #expect(response.status == 202, "\(response.text)")
            response = try await Self.send(client, key, session: session, to: "+15550000001")
            #expect(response.status == 402)
            #expect(response.error == "plan_limit_exceeded")
            // Messages of earlier months do not count.
            try await database.withTenant(key.tenantID) { db in
                try await db.execute("UPDATE messages SET created_at = now() - interval '40 days' WHERE text = 'old'")
            }
            response = try await Self.send(client, key, session: session, to: "+15550000001")
            #expect(response.status == 202)
        }
    }

    /// A connection for every parallel request and a generous wait: these tests are about limits
    /// and lock order, not about the pool's back-pressure (503 after DB_POOL_TIMEOUT_SECONDS) on
    /// a busy machine, which answered some of their requests 503 under a loaded full run.
    static func patientConfiguration() async throws -> AppConfiguration {
        var configuration = try await TestApp.configuration()
        configuration.databasePoolSize = 16
        configuration.databasePoolTimeout = .seconds(60)
        return configuration
    }

    /// Sends `count` session creates at once, each on its own connection (one test-client
    /// connection would serialise them), and returns their statuses.
    static func parallelCreates(_ client: any TestClientProtocol, _ keys: [AdminFixtures.Key], count: Int) async throws -> [Int] {
        try await client.executeConcurrently((0..<count).map { index in
            ConcurrentRequest(method: .post, uri: "/api/v2/sessions", headers: keys[index % keys.count].headers,
                              json: ["name": "parallel \(index)"])
        }).map { Int($0.status.code) }
    }

    static func liveSessions(_ database: Database, _ tenantID: UUID) async throws -> Int {
        try await database.withTenant(tenantID) { session in
            try await session.query("SELECT count(*) AS n FROM messaging_sessions WHERE state <> 'deleted'").first!
                .decode("n", as: Int.self)
        }
    }

    @Test func keyMaxSessionsHoldsUnderTwentyParallelCreates() async throws {
        let master = try await TestMasterKey.create()
        let database = try await AdminFixtures.database()
        defer { Task { await database.pool.shutdown() } }
        try await TestApp.run(try await Self.patientConfiguration()) { client in
            let key = try await AdminFixtures.key(client, master: master, ["max_sessions": 3, "rate_limit_sessions": 0])
            try await AdminFixtures.setPlan("business", tenantID: key.tenantID, database: database)
            let statuses = try await Self.parallelCreates(client, [key], count: 20)
            #expect(statuses.filter { $0 == 201 }.count == 3, "\(statuses)")
            #expect(statuses.filter { $0 == 409 }.count == 17, "\(statuses)")
            #expect(try await Self.liveSessions(database, key.tenantID) == 3)
        }
    }

    @Test func planMaxSessionsHoldsUnderTwentyParallelCreatesAcrossKeys() async throws {
        let master = try await TestMasterKey.create()
        let database = try await AdminFixtures.database()
        defer { Task { await database.pool.shutdown() } }
        try await TestApp.run(try await Self.patientConfiguration()) { client in
            let first = try await AdminFixtures.key(client, master: master, ["max_sessions": 20, "rate_limit_sessions": 0])
            let second = try await AdminFixtures.key(client, master: master, tenantID: first.tenantID,
                                                     ["max_sessions": 20, "rate_limit_sessions": 0])
            try await AdminFixtures.setPlan("pro", tenantID: first.tenantID, database: database)   // 3 sessions
            let statuses = try await Self.parallelCreates(client, [first, second], count: 20)
            #expect(statuses.filter { $0 == 201 }.count == 3, "\(statuses)")
            #expect(statuses.filter { $0 == 402 }.count == 17, "\(statuses)")
            #expect(try await Self.liveSessions(database, first.tenantID) == 3)

            // Deleting one frees one place.
            let list = try await client.requestJSON(.get, "/api/v2/sessions", headers: first.headers)
            let one = try #require((list.object["items"] as? [[String: Any]])?.first?["id"] as? String)
            _ = try await client.requestJSON(.delete, "/api/v2/sessions/\(one)", headers: first.headers)
            #expect(try await Self.createSession(client, second).status == 201)
            #expect(try await Self.createSession(client, second).status == 402)
        }
    }

    /// Sends (tenant row, then the session row to count the message) and inbound messages (the
    /// session row, then the tenant row for the foreign key) once locked in opposite orders and
    /// deadlocked: one of them was answered 500. Every one must now be accepted and counted.
    @Test func parallelSendsAndInboundOnOneSessionAllSucceed() async throws {
        let master = try await TestMasterKey.create()
        let database = try await AdminFixtures.database()
        defer { Task { await database.pool.shutdown() } }
        try await TestApp.run(try await Self.patientConfiguration()) { client in
            let key = try await AdminFixtures.key(client, master: master, ["rate_limit_messages": 0])
            try await AdminFixtures.setPlan("business", tenantID: key.tenantID, database: database)
            let session = try #require(try await Self.createSession(client, key).object["id"] as? String)
            let rounds = 8
            let requests = (0..<(2 * rounds)).map { index in
                index.isMultiple(of: 2)
                    ? ConcurrentRequest(method: .post, uri: "/api/v2/messages", headers: key.headers,
                                        json: ["session_id": session, "to": "+15550001000", "text": "hello \(index)"])
                    : ConcurrentRequest(method: .post, uri: "/api/v2/sessions/\(session)/inbound", headers: key.headers,
                                        json: ["from": "+15550002000", "text": "reply \(index)"])
            }
            let statuses = try await client.executeConcurrently(requests).map { ($0.status.code, $0.body.map { String(buffer: $0) } ?? "") }
            #expect(statuses.allSatisfy { $0.0 == 202 }, "\(statuses)")
            let counts = try await client.requestJSON(.get, "/api/v2/sessions/\(session)", headers: key.headers)
            #expect(counts.object["messages_sent"] as? Int == rounds)
            #expect(counts.object["messages_received"] as? Int == rounds)
        }
    }

    @Test func perClassRateLimitsApply() async throws {
        let master = try await TestMasterKey.create()
        let database = try await AdminFixtures.database()
        defer { Task { await database.pool.shutdown() } }
        try await TestApp.run { client in
            let key = try await AdminFixtures.key(client, master: master, [
                "rate_limit_messages": 2, "rate_limit_sessions": 2, "max_sessions": 10])
            try await AdminFixtures.setPlan("business", tenantID: key.tenantID, database: database)
            var response = try await Self.createSession(client, key)
            let session = try #require(response.object["id"] as? String)
            #expect(try await Self.createSession(client, key).status == 201)
            response = try await Self.createSession(client, key)
            #expect(response.status == 429, "\(response.text)")
            #expect(response.error == "rate_limited")

            #expect(try await Self.send(client, key, session: session, to: "+15550000001").status == 202)
            #expect(try await Self.send(client, key, session: session, to: "+15550000001").status == 202)
            response = try await Self.send(client, key, session: session, to: "+15550000001")
            #expect(response.status == 429, "\(response.text)")
            #expect(response.error == "rate_limited")
            // Other operations are not limited by the per-class limits.
            #expect(try await client.requestJSON(.get, "/api/v2/sessions", headers: key.headers).status == 200)
        }
    }

    @Test func deactivatedAndDeletedKeysLoseAccess() async throws {
        let master = try await TestMasterKey.create()
        try await TestApp.run { client in
            let headers = TestMasterKey.headers(master)
            let key = try await AdminFixtures.key(client, master: master)
            let sibling = try await AdminFixtures.key(client, master: master, tenantID: key.tenantID, ["is_admin": true])
            let session = try #require(try await Self.createSession(client, key).object["id"] as? String)

            _ = try await client.requestJSON(.post, "/api/v2/admin/api-keys/\(key.id)/deactivate", headers: headers)
            #expect(try await client.requestJSON(.get, "/api/v2/sessions", headers: key.headers).status == 401)
            _ = try await client.requestJSON(.post, "/api/v2/admin/api-keys/\(key.id)/activate", headers: headers)
            #expect(try await client.requestJSON(.get, "/api/v2/sessions", headers: key.headers).status == 200)

            #expect(try await client.requestJSON(.delete, "/api/v2/admin/api-keys/\(key.id)", headers: headers).status == 204)
            #expect(try await client.requestJSON(.get, "/api/v2/sessions", headers: key.headers).status == 401)
            // Its sessions are gone with it, for everyone in the tenant.
            #expect(try await client.requestJSON(.get, "/api/v2/sessions/\(session)", headers: sibling.headers).status == 404)
            #expect(try await Self.send(client, sibling, session: session, to: "+15550000001").status == 404)
        }
    }

    @Test func adminUsageEqualsWhatWasDone() async throws {
        try await ScratchApp.run { client, context in
            let master = context.masterKey
            let headers = TestMasterKey.headers(master)
            let a = try await AdminFixtures.key(client, master: master, ["name": "A", "rate_limit_messages": 0])
            try await AdminFixtures.setPlan("business", tenantID: a.tenantID, database: context.database)
            let b = try await AdminFixtures.trial(client, master: master, numbers: ["+15550000001"])

            let a1 = try #require(try await Self.createSession(client, a, name: "a1").object["id"] as? String)
            let a2 = try #require(try await Self.createSession(client, a, name: "a2").object["id"] as? String)
            let b1 = try #require(try await Self.createSession(client, b, name: "b1").object["id"] as? String)
            for _ in 0..<3 { #expect(try await Self.send(client, a, session: a1, to: "+15550000009").status == 202) }
            #expect(try await Self.send(client, a, session: a2, to: "+15550000009").status == 202)
            #expect(try await Self.send(client, b, session: b1, to: "+15550000001").status == 202)
            #expect(try await Self.send(client, b, session: b1, to: "+15550000002").status == 403)   // refused: not counted
            for _ in 0..<2 {
                _ = try await client.requestJSON(.post, "/api/v2/sessions/\(a1)/inbound", headers: a.headers,
                                                 body: ["from": "+15550000009", "text": "reply"])
            }
            #expect(try await client.requestJSON(.delete, "/api/v2/sessions/\(a2)", headers: a.headers).status == 204)

            var response = try await client.requestJSON(.get, "/api/v2/admin/usage", headers: headers)
            #expect(response.status == 200)
            let stats = try #require(response.object["stats"] as? [String: Any])
            #expect(stats["total_keys"] as? Int == 2)
            #expect(stats["active_keys"] as? Int == 2)
            #expect(stats["trial_keys"] as? Int == 1)
            #expect(stats["total_sessions"] as? Int == 2)          // a1 and b1 are live
            #expect(stats["total_messages_sent"] as? Int == 5)
            let keys = try #require(response.object["keys"] as? [[String: Any]])
            #expect(keys.first { $0["id"] as? String == a.id }?["session_stats"] as? [String: Int] == ["sessions": 2, "messages_sent": 4])
            #expect(keys.first { $0["id"] as? String == b.id }?["session_stats"] as? [String: Int] == ["sessions": 1, "messages_sent": 1])
            #expect(keys.first { $0["id"] as? String == a.id }?["last_used_at"] as? String != nil)

            response = try await client.requestJSON(.get, "/api/v2/admin/api-keys/\(a.id)/usage", headers: headers)
            #expect(response.status == 200)
            #expect(response.object["usage"] as? [String: Int] == [
                "total_sessions": 2, "active_sessions": 1, "total_messages_sent": 4, "total_messages_received": 2])
            let sessions = try #require(response.object["sessions"] as? [[String: Any]])
            #expect(Set(sessions.compactMap { $0["id"] as? String }) == [a1, a2])
            #expect(sessions.first { $0["id"] as? String == a1 }?["messages_sent"] as? Int == 3)
            #expect(sessions.first { $0["id"] as? String == a1 }?["messages_received"] as? Int == 2)

            response = try await client.requestJSON(.get, "/api/v2/admin/api-keys/\(a.id)", headers: headers)
            #expect(response.object["usage"] as? [String: Int] == ["messages_sent": 4, "sessions_created": 2])
        }
    }
}

/// Approval of queued messages by owner/admin users.
@Suite("Messaging: the approval flow")
struct MessageApprovalTests {
    @Test func ownersAndAdminsApprovePendingMessages() async throws {
        let master = try await TestMasterKey.create()
        try await TestApp.run { client in
            let owner = try await TestUsers.signUp(client)
            let admin = try await TestUsers.addUser(role: .admin, tenantID: owner.tenantID)
            let member = try await TestUsers.addUser(role: .member, tenantID: owner.tenantID)
            let key = try await AdminFixtures.key(client, master: master, tenantID: owner.tenantID)

            var response = try await client.requestJSON(.patch, "/api/v2/tenant/settings", headers: owner.authorization,
                                                        body: ["require_approval": true])
            #expect(response.status == 200, "\(response.text)")
            // A user can create sessions too (no key cap; the plan's applies).
            response = try await client.requestJSON(.post, "/api/v2/sessions", headers: owner.authorization, body: ["name": "owner's"])
            #expect(response.status == 201, "\(response.text)")
            let session = try #require(response.object["id"] as? String)

            var pending: [String] = []
            for _ in 0..<2 {
                response = try await MessagingAPITests.send(client, key, session: session, to: "+15550000001")
                #expect(response.status == 202)
                #expect(response.object["status"] as? String == "pending_approval")
                pending.append(try #require(response.object["id"] as? String))
            }
            response = try await client.requestJSON(.post, "/api/v2/messages/\(pending[0])/approve", headers: member.authorization)
            #expect(response.status == 403)
            response = try await client.requestJSON(.post, "/api/v2/messages/\(pending[0])/approve", headers: key.headers)
            #expect(response.status == 403)

            response = try await client.requestJSON(.post, "/api/v2/messages/\(pending[0])/approve", headers: owner.authorization)
            #expect(response.status == 200, "\(response.text)")
            #expect(response.object["status"] as? String == "sent")
            #expect(response.object["cost"] as? String == "0.010000")
            response = try await client.requestJSON(.post, "/api/v2/messages/\(pending[1])/approve", headers: admin.authorization)
            #expect(response.status == 200)
            // Twice is a conflict; unknown and other tenants' messages are 404.
            response = try await client.requestJSON(.post, "/api/v2/messages/\(pending[0])/approve", headers: owner.authorization)
            #expect(response.status == 409)
            #expect(response.error == "conflict")
            response = try await client.requestJSON(.post, "/api/v2/messages/\(UUID())/approve", headers: owner.authorization)
            #expect(response.status == 404)
            let stranger = try await TestUsers.signUp(client)
            response = try await client.requestJSON(.post, "/api/v2/messages/\(pending[1])/approve", headers: stranger.authorization)
            #expect(response.status == 404)

            // Approved messages count as sent, for the session and the key that sent them.
            response = try await client.requestJSON(.get, "/api/v2/sessions/\(session)", headers: member.authorization)
            #expect(response.object["messages_sent"] as? Int == 2)
            response = try await client.requestJSON(.get, "/api/v2/admin/api-keys/\(key.id)", headers: TestMasterKey.headers(master))
            #expect((response.object["usage"] as? [String: Int])?["messages_sent"] == 2)

            // Each approval is in the audit log, by whom it was made (the refused ones are not).
            response = try await client.requestJSON(.get, "/api/v2/audit-events?action=message.approve", headers: owner.authorization)
            let approvals = (response.object["items"] as? [[String: Any]] ?? [])
            #expect(approvals.map { $0["target_id"] as? String } == [pending[1], pending[0]])
            #expect(approvals.map { $0["actor_id"] as? String } == [admin.userID, owner.userID].map { $0.uuidString.lowercased() })
        }
    }
}

/// The channel used with user tokens (no API key): the plan's caps still hold.
@Suite("Messaging with user tokens: plan caps, tenant numbers, costs")
struct UserMessagingTests {
    @Test func planMaxSessionsHoldsUnderTwentyParallelUserCreates() async throws {
        let database = try await AdminFixtures.database()
        defer { Task { await database.pool.shutdown() } }
        try await TestApp.run(try await MessagingAPITests.patientConfiguration()) { client in
            let owner = try await TestUsers.signUp(client)
            try await AdminFixtures.setPlan("starter", tenantID: owner.tenantID, database: database)   // 2 sessions
            let statuses = try await client.executeConcurrently((0..<20).map { index in
                ConcurrentRequest(method: .post, uri: "/api/v2/sessions", headers: owner.authorization,
                                  json: ["name": "parallel \(index)"])
            }).map { Int($0.status.code) }
            #expect(statuses.filter { $0 == 201 }.count == 2, "\(statuses)")
            #expect(statuses.filter { $0 == 402 }.count == 18, "\(statuses)")
            #expect(try await MessagingAPITests.liveSessions(database, owner.tenantID) == 2)
            let refused = try await client.requestJSON(.post, "/api/v2/sessions", headers: owner.authorization, body: ["name": "one more"])
            #expect(refused.error == "plan_limit_exceeded")
        }
    }

    @Test func userSendsRespectTenantNumbersAndThePlanMonth() async throws {
        let database = try await AdminFixtures.database()
        defer { Task { await database.pool.shutdown() } }
        try await TestApp.run { client in
            let owner = try await TestUsers.signUp(client)
            let member = try await TestUsers.addUser(role: .member, tenantID: owner.tenantID)
            var response = try await client.requestJSON(.post, "/api/v2/sessions", headers: owner.authorization, body: ["name": "s"])
            #expect(response.status == 201, "\(response.text)")
            let session = try #require(response.object["id"] as? String)
            // Members hold messages:send but not sessions:manage.
            response = try await client.requestJSON(.post, "/api/v2/sessions", headers: member.authorization, body: ["name": "m"])
            #expect(response.status == 403)

            func send(_ to: String) async throws -> TestJSONResponse {
                try await client.requestJSON(.post, "/api/v2/messages", headers: member.authorization,
                                             body: ["session_id": session, "to": to, "text": "hi"])
            }
            response = try await send("+15550000002")
            #expect(response.status == 202, "\(response.text)")
            #expect(response.object["cost"] as? String == "0.010000")
            #expect(response.object["status"] as? String == "sent")

            _ = try await client.requestJSON(.patch, "/api/v2/tenant/settings", headers: owner.authorization,
                                             body: ["allowed_numbers": ["+15550000001"]])
            response = try await send("+15550000002")
            #expect(response.status == 403)
            #expect(response.error == "number_not_allowed")
            response = try await send("+15550000001")
            #expect(response.status == 202)

            // The free plan's 100 messages a month: 2 sent, 97 more fill it.
            try await database.withTenant(owner.tenantID) { db in
                try await db.execute("""
                    INSERT INTO messages (tenant_id, session_id, direction, peer_number, text, status)
                    SELECT \(owner.tenantID), \(UUID(uuidString: session)!), 'outbound', '+15550000001', 'filler', 'sent'
                      FROM generate_series(1, 97)
                    """)
            }
            response = try await send("+15550000001")
            #expect(response.status == 202)
            response = try await send("+15550000001")
            #expect(response.status == 402)
            #expect(response.error == "plan_limit_exceeded")
            // Inbound messages do not count against the monthly send limit, and are still recorded.
            response = try await client.requestJSON(.post, "/api/v2/sessions/\(session)/inbound", headers: owner.authorization,
                                                    body: ["from": "+15550000001", "text": "reply"])
            #expect(response.status == 202)
            response = try await client.requestJSON(.get, "/api/v2/sessions/\(session)", headers: member.authorization)
            #expect(response.object["messages_sent"] as? Int == 3)
            #expect(response.object["messages_received"] as? Int == 1)
        }
    }
}
