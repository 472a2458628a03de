import Foundation
import GatehouseCore
import GatehouseStore
import GatehouseTestSupport
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Postgres
import Testing

/// Issue 8, item 10, walked end to end: every mutation an owner or admin, a key with
/// `account:manage` or the operator can make through the API appends exactly one audit event,
/// naming its actor, action, target and the request (client IP, user agent, `X-Request-Id`);
/// reads, refusals and the data plane (sends) append none, and no event holds a secret.
@Suite("Audit log: one event per mutation")
struct AuditCompletenessTests {
    /// What one request should have appended (nil action: nothing).
    struct Expected {
        var requestID: String
        var userAgent: String
        var action: String?
        var actorType: String = ""
        var actorID: String?
        var targetType: String?
        var targetID: String?
        var tenantID: String?
    }

    /// Sends requests tagged with their own request id and user agent, and remembers what each
    /// should have appended.
    final class Walk {
        let client: any TestClientProtocol
        /// The tenant the events belong to unless a step names another.
        let tenantID: String
        let tag = String(UUID().uuidString.lowercased().prefix(8))
        var expected: [Expected] = []

        init(_ client: any TestClientProtocol, tenantID: String) {
            self.client = client
            self.tenantID = tenantID
        }

        /// Sends one request; `action` (with actor and target) is the event it must append, or
        /// nil for none. `status` is the answer it must get.
        @discardableResult
        func send(_ method: HTTPRequest.Method, _ path: String, _ headers: HTTPFields, body: Any? = nil, status: Int,
                  action: String? = nil, actor: (type: String, id: String?) = ("", nil),
                  target: (type: String, id: String?)? = nil, tenant: String? = nil) async throws -> TestJSONResponse {
            let step = expected.count + 1
            let requestID = "walk-\(tag)-\(step)"
            let userAgent = "audit-walk/\(step)"
            var headers = headers
            headers[HTTPField.Name("X-Request-Id")!] = requestID
            headers[.userAgent] = userAgent
            let response = try await client.requestJSON(method, path, headers: headers, body: body)
            #expect(response.status == status, "\(method) \(path): \(response.text)")
            expected.append(Expected(requestID: requestID, userAgent: userAgent, action: action, actorType: actor.type,
                                     actorID: actor.id, targetType: target?.type, targetID: target?.id ?? nil,
                                     tenantID: tenant ?? tenantID))
            return response
        }

        /// The event the last request must have appended, for a target its answer named.
        func expectLast(_ action: String, actor: (type: String, id: String?), target: (type: String, id: String?),
                        tenant: String? = nil) {
            expected[expected.count - 1].action = action
            expected[expected.count - 1].actorType = actor.type
            expected[expected.count - 1].actorID = actor.id
            expected[expected.count - 1].targetType = target.type
            expected[expected.count - 1].targetID = target.id
            if let tenant { expected[expected.count - 1].tenantID = tenant }
        }
    }

    static func id(_ uuid: UUID) -> String { uuid.uuidString.lowercased() }

    /// Every event since `since`, as the operator reads them (all pages).
    static func operatorEvents(_ client: any TestClientProtocol, master: String, since: String) async throws -> [[String: Any]] {
        var events: [[String: Any]] = []
        var cursor: String?
        repeat {
            let page = try await client.requestJSON(
                .get, "/api/v2/admin/audit-events?since=\(since)&limit=1000" + (cursor.map { "&cursor=\($0)" } ?? ""),
                headers: TestMasterKey.headers(master))
            #expect(page.status == 200, "\(page.text)")
            events += page.object["items"] as? [[String: Any]] ?? []
            cursor = page.object["next_cursor"] as? String
        } while cursor != nil
        return events
    }

    @Test func everyMutationAppendsExactlyOneEventWithItsRequest() async throws {
        let master = try await TestMasterKey.create(name: "audit walk")
        let formatter = ISO8601DateFormatter()
        let since = formatter.string(from: Date().addingTimeInterval(-5))
        try await TestApp.run { client in
            let owner = try await TestUsers.signUp(client)
            let me: (type: String, id: String?) = ("user", Self.id(owner.userID))
            let tenant = Self.id(owner.tenantID)
            let walk = Walk(client, tenantID: tenant)
            var secrets: [String] = []

            // The owner's own account.
            try await walk.send(.patch, "/api/v2/users/me", owner.authorization, body: ["full_name": "Walk Owner"], status: 200,
                                action: "user.update", actor: me, target: ("user", me.1))
            try await walk.send(.get, "/api/v2/users/me", owner.authorization, status: 200)

            // Self-service keys.
            var response = try await walk.send(.post, "/api/v2/api-keys", owner.authorization,
                                               body: ["name": "walk", "scopes": ["usage:read"]], status: 201)
            let key = try #require(response.object["id"] as? String)
            secrets.append(try #require(response.object["raw_key"] as? String))
            walk.expectLast("api_key.create", actor: me, target: ("api_key", key))
            try await walk.send(.patch, "/api/v2/api-keys/\(key)", owner.authorization, body: ["name": "walk 2"], status: 200,
                                action: "api_key.update", actor: me, target: ("api_key", key))
            response = try await walk.send(.post, "/api/v2/api-keys/\(key)/rotate", owner.authorization, body: ["grace_seconds": 0],
                                           status: 200, action: "api_key.rotate", actor: me, target: ("api_key", key))
            secrets.append(try #require(response.object["raw_key"] as? String))
            try await walk.send(.get, "/api/v2/api-keys", owner.authorization, status: 200)
            try await walk.send(.delete, "/api/v2/api-keys/\(UUID())", owner.authorization, status: 404)
            try await walk.send(.delete, "/api/v2/api-keys/\(key)", owner.authorization, status: 204,
                                action: "api_key.revoke", actor: me, target: ("api_key", key))

            // Settings, messaging sessions and an approval.
            try await walk.send(.patch, "/api/v2/tenant/settings", owner.authorization, body: ["require_approval": true], status: 200,
                                action: "tenant_settings.update", actor: me, target: ("tenant", tenant))
            response = try await walk.send(.post, "/api/v2/sessions", owner.authorization, body: ["name": "walk"], status: 201)
            let session = try #require(response.object["id"] as? String)
            walk.expectLast("messaging_session.create", actor: me, target: ("messaging_session", session))
            response = try await walk.send(.post, "/api/v2/messages", owner.authorization,
                                           body: ["session_id": session, "to": "+15550000001", "text": "held"], status: 202)
            let message = try #require(response.object["id"] as? String)
            try await walk.send(.post, "/api/v2/messages/\(message)/approve", owner.authorization, status: 200,
                                action: "message.approve", actor: me, target: ("message", message))
            try await walk.send(.delete, "/api/v2/sessions/\(session)", owner.authorization, status: 204,
                                action: "messaging_session.delete", actor: me, target: ("messaging_session", session))

            // A key with account:manage is the actor of its changes.
            let manager = try await TestKeys.create(tenantID: owner.tenantID, scopes: [.accountManage, .usageRead], rateLimitRPM: 0)
            let managerHeaders: HTTPFields = [HTTPField.Name("X-API-Key")!: manager.raw]
            let byKey: (type: String, id: String?) = ("api_key", Self.id(manager.id))
            response = try await walk.send(.post, "/api/v2/api-keys", managerHeaders, body: ["name": "by key", "scopes": ["usage:read"]],
                                           status: 201)
            let keyMade = try #require(response.object["id"] as? String)
            secrets.append(try #require(response.object["raw_key"] as? String))
            walk.expectLast("api_key.create", actor: byKey, target: ("api_key", keyMade))
            try await walk.send(.delete, "/api/v2/api-keys/\(keyMade)", managerHeaders, status: 204,
                                action: "api_key.revoke", actor: byKey, target: ("api_key", keyMade))

            // An admin without a password sets one, then signs out of this session.
            let admin = try await TestUsers.addUser(role: .admin, tenantID: owner.tenantID)
            let adminDatabase = Database(pool: try await TestDatabase.appPool(maxConnections: 1))
            try await adminDatabase.withTenant(owner.tenantID) { db in
                try await db.execute("UPDATE users SET password_hash = NULL WHERE id = \(admin.userID)")
            }
            await adminDatabase.pool.shutdown()
            let adminSession = try await TestUsers.signer().verify(admin.accessToken).sessionID
            let asAdmin: (type: String, id: String?) = ("user", Self.id(admin.userID))
            let newPassword = "walk password \(walk.tag)"
            secrets.append(newPassword)
            try await walk.send(.post, "/api/v2/auth/setup-password", admin.authorization, body: ["password": newPassword], status: 204,
                                action: "user.password_set", actor: asAdmin, target: ("user", asAdmin.1))
            try await walk.send(.post, "/api/v2/auth/setup-password", admin.authorization, body: ["password": newPassword], status: 409)
            try await walk.send(.post, "/api/v2/auth/logout", admin.authorization, status: 204,
                                action: "auth_session.revoke", actor: asAdmin, target: ("auth_session", Self.id(adminSession)))

            // The operator, on a key of this tenant and on a trial key (a new tenant).
            let adminHeaders = TestMasterKey.headers(master)
            let op: (type: String, id: String?) = ("master_key", nil)
            response = try await walk.send(.post, "/api/v2/admin/api-keys", adminHeaders,
                                           body: ["name": "managed", "type": "standard", "tenant_id": tenant], status: 201)
            let managed = try #require((response.object["api_key"] as? [String: Any])?["id"] as? String)
            secrets.append(try #require((response.object["api_key"] as? [String: Any])?["key"] as? String))
            walk.expectLast("api_key.create", actor: op, target: ("api_key", managed))
            let path = "/api/v2/admin/api-keys/\(managed)"
            try await walk.send(.put, path, adminHeaders, body: ["name": "managed 2"], status: 200,
                                action: "api_key.update", actor: op, target: ("api_key", managed))
            try await walk.send(.put, path + "/rate-limits", adminHeaders, body: ["general": 90], status: 200,
                                action: "api_key.update", actor: op, target: ("api_key", managed))
            try await walk.send(.post, path + "/deactivate", adminHeaders, status: 200,
                                action: "api_key.deactivate", actor: op, target: ("api_key", managed))
            try await walk.send(.post, path + "/activate", adminHeaders, status: 200,
                                action: "api_key.activate", actor: op, target: ("api_key", managed))
            try await walk.send(.get, path, adminHeaders, status: 200)
            try await walk.send(.delete, path, adminHeaders, status: 204,
                                action: "api_key.delete", actor: op, target: ("api_key", managed))
            response = try await walk.send(.post, "/api/v2/admin/api-keys/trial", adminHeaders,
                                           body: ["name": "walk trial", "trial_days": 7, "allowed_numbers": ["+15550000002"]],
                                           status: 201)
            let trial = try #require((response.object["api_key"] as? [String: Any])?["id"] as? String)
            let trialTenant = try #require((response.object["api_key"] as? [String: Any])?["tenant_id"] as? String)
            secrets.append(try #require((response.object["api_key"] as? [String: Any])?["key"] as? String))
            walk.expectLast("api_key.create", actor: op, target: ("api_key", trial), tenant: trialTenant)
            try await walk.send(.post, "/api/v2/admin/api-keys/\(trial)/extend-trial", adminHeaders, body: ["days": 3], status: 200,
                                action: "api_key.extend_trial", actor: op, target: ("api_key", trial), tenant: trialTenant)
            try await walk.send(.post, "/api/v2/admin/api-keys/\(trial)/convert-to-paid", adminHeaders, body: ["type": "standard"],
                                status: 200, action: "api_key.convert_to_paid", actor: op, target: ("api_key", trial), tenant: trialTenant)

            // Last, the owner ends every session of theirs (the token stops working).
            try await walk.send(.post, "/api/v2/auth/logout", owner.authorization, body: ["scope": "global"], status: 204,
                                action: "auth_session.revoke_all", actor: me, target: ("user", me.1))

            let events = try await Self.operatorEvents(client, master: master, since: since)
                .filter { ($0["request_id"] as? String)?.hasPrefix("walk-\(walk.tag)-") == true }
            let byRequest = Dictionary(grouping: events) { $0["request_id"] as? String ?? "" }
            #expect(events.count == walk.expected.filter { $0.action != nil }.count)
            var operatorIDs: Set<String> = []
            for step in walk.expected {
                let rows = byRequest[step.requestID] ?? []
                guard let action = step.action else {
                    #expect(rows.isEmpty, "\(step.requestID) appended \(rows)")
                    continue
                }
                try #require(rows.count == 1, "\(step.requestID) (\(action)): \(rows.count) events")
                let row = rows[0]
                #expect(row["action"] as? String == action, "\(step.requestID)")
                #expect(row["actor_type"] as? String == step.actorType, "\(step.requestID) \(action)")
                if step.actorType == "master_key" {
                    operatorIDs.insert(row["actor_id"] as? String ?? "none")
                } else {
                    #expect(row["actor_id"] as? String == step.actorID, "\(step.requestID) \(action)")
                }
                #expect(row["target_type"] as? String == step.targetType, "\(step.requestID) \(action)")
                #expect(row["target_id"] as? String == step.targetID, "\(step.requestID) \(action)")
                #expect(row["ip"] as? String == "127.0.0.1", "\(step.requestID) \(action)")
                #expect(row["user_agent"] as? String == step.userAgent, "\(step.requestID) \(action)")
                #expect(row["tenant_id"] as? String == step.tenantID, "\(step.requestID) \(action)")
                #expect(row["created_at"] as? String != nil)
            }
            // One operator, named by its master key's id.
            #expect(operatorIDs.count == 1)
            #expect(operatorIDs.first.flatMap(UUID.init(uuidString:)) != nil)

            // What changed is recorded, never a secret.
            let text = String(decoding: try JSONSerialization.data(withJSONObject: events), as: UTF8.self)
            for secret in secrets {
                #expect(!text.contains(secret))
                #expect(!text.contains(String(secret.suffix(16))))
            }
            #expect(!text.contains("hash"))
            let renamed = events.first { $0["action"] as? String == "user.update" }
            #expect((renamed?["changes"] as? [String: Any])?["full_name"] as? String == "Walk Owner")
            let ended = events.first { $0["action"] as? String == "auth_session.revoke_all" }
            #expect((ended?["changes"] as? [String: Any])?["sessions_revoked"] as? Int == 1)
        }
    }
}
