import Foundation
@testable import GatehouseAPI
import GatehouseCore
import GatehouseStore
import GatehouseTestSupport
import HTTPTypes
import Hummingbird
import NIOCore
import HummingbirdTesting
import Postgres
import Testing

/// Issue 8, item 8: bad input is a 4xx naming the field, never a 500, and changes nothing.
@Suite("Bad input: 4xx with the field, never 500")
struct BadInputTests {
    static let apiKey = HTTPField.Name("X-API-Key")!

    static func field(_ response: TestResponse) throws -> String? {
        try (response.json["errors"] as? [[String: Any]])?.first?["field"] as? String
    }

    @Test func anImpossibleDateInAKeysCursorIs422() async throws {
        let tenant = try await TestKeys.tenant()
        let key = try await TestKeys.create(tenantID: tenant, scopes: [.accountManage], rateLimitRPM: 0)
        let cursor = GatehouseService.encodeKeyCursor("2026-13-45 10:00:00+00|\(UUID().uuidString.lowercased())")
        try await TestApp.run { client in
            let response = try await client.send(.get, "/api/v2/api-keys?cursor=\(cursor)", headers: [Self.apiKey: key.raw])
            #expect(response.status == .unprocessableContent)
            #expect(try Self.field(response) == "cursor")
        }
    }

    /// `MAX_BODY_BYTES` over real HTTP: a body one byte too large is a 413 in the problem shape,
    /// read before anything else (the key is not charged, nothing is written); one at the limit
    /// goes through.
    @Test func aBodyOverMaxBodyBytesIs413InTheProblemShapeAndChangesNothing() async throws {
        let tenant = try await TestKeys.tenant()
        let key = try await TestKeys.create(tenantID: tenant, scopes: [.usageWrite], rateLimitRPM: 0)
        var configuration = try await TestApp.configuration()
        configuration.maxBodyBytes = 1024
        /// A usage event padded with spaces (valid JSON) to exactly `size` bytes.
        @Sendable func event(size: Int) -> ByteBuffer {
            let json = #"{"meter": "ai_replies", "quantity": 1}"#
            return ByteBuffer(string: json + String(repeating: " ", count: size - json.utf8.count))
        }
        try await TestApp.run(configuration) { client in
            let headers: HTTPFields = [Self.apiKey: key.raw, .contentType: "application/json",
                                       HTTPField.Name("X-Request-Id")!: "req-413"]
            let tooLarge = try await client.execute(uri: "/api/v2/usage/events", method: .post, headers: headers,
                                                    body: event(size: 1025))
            #expect(tooLarge.status == .contentTooLarge)
            #expect(tooLarge.headers[.contentType] == "application/problem+json")
            let problem = try tooLarge.json
            #expect(problem["status"] as? Int == 413)
            #expect(problem["error"] as? String == "invalid_request")
            #expect(problem["request_id"] as? String == "req-413")
            #expect(problem["title"] is String && problem["type"] is String && problem["detail"] is String)

            let atTheLimit = try await client.execute(uri: "/api/v2/usage/events", method: .post, headers: headers,
                                                      body: event(size: 1024))
            #expect(atTheLimit.status == .created)
        }
        let database = try await TestKeys.database()
        defer { Task { await database.pool.shutdown() } }
        let (events, calls) = try await database.withTenant(tenant) { session in
            (try await session.query("SELECT count(*) AS n FROM meter_events").first!.decode("n", as: Int.self),
             try await session.query("SELECT status_code FROM usage_log WHERE api_key_id = \(key.id)")
                .map { try $0.decode("status_code", as: Int.self) })
        }
        #expect(events == 1)
        // The usage log (drained when the server stopped) has the admitted call only.
        #expect(calls == [201])
    }

    @Test func aNULInAnyTextInputIs422NamingTheField() async throws {
        let tenant = try await TestKeys.tenant()
        let key = try await TestKeys.create(tenantID: tenant, scopes: [.accountManage, .sessionsManage], rateLimitRPM: 0)
        try await TestApp.run { client in
            let cases: [(HTTPRequest.Method, String, [String: Any]?, String)] = [
                (.post, "/api/v2/api-keys", ["name": "a\u{0}b", "scopes": []], "name"),
                (.post, "/api/v2/sessions", ["name": "s\u{0}"], "name"),
                (.post, "/api/v2/api-keys", ["name": "ok", "scopes": ["usage:read\u{0}"]], "scopes[0]"),
                (.get, "/api/v2/api-keys?cursor=a%00b", nil, "cursor"),
                (.get, "/api/v2/api-keys/abc%00def", nil, "id"),
            ]
            for (method, uri, body, field) in cases {
                let response = try await client.send(method, uri, json: body, headers: [Self.apiKey: key.raw])
                #expect(response.status == .unprocessableContent, "\(uri) \(field)")
                #expect(response.errorCode == "validation_failed")
                #expect(try Self.field(response) == field)
            }
            // A form body (the magic-link page's POST) follows the same rule.
            let form = try await client.execute(uri: "/api/v2/auth/magic-link", method: .post,
                                                headers: [.contentType: "application/x-www-form-urlencoded"],
                                                body: ByteBuffer(string: "token=abc%00def"))
            #expect(form.status == .unprocessableContent)
            #expect(try Self.field(form) == "token")
            // Nothing was created.
            let keys = try await client.send(.get, "/api/v2/api-keys", headers: [Self.apiKey: key.raw])
            #expect(try (keys.json["items"] as? [Any])?.count == 1)
        }
    }

    @Test func lengthsAreCountedInUnicodeScalars() async throws {
        let tenant = try await TestKeys.tenant()
        let key = try await TestKeys.create(tenantID: tenant, scopes: [.accountManage], rateLimitRPM: 0)
        // One Character made of 101 scalars: a character count would let it through.
        let name = "e" + String(repeating: "\u{301}", count: 100)
        try await TestApp.run { client in
            let response = try await client.send(.post, "/api/v2/api-keys", json: ["name": name, "scopes": []],
                                                 headers: [Self.apiKey: key.raw])
            #expect(response.status == .unprocessableContent)
            #expect(try Self.field(response) == "name")
            let signup = try await client.send(.post, "/api/v2/auth/signup", json: [
                "email": TestUsers.uniqueEmail("zalgo"), "password": TestUsers.password, "full_name": name, "tenant_name": "Co",
            ])
            #expect(signup.status == .unprocessableContent)
            #expect(try Self.field(signup) == "full_name")
        }
    }

    @Test func aSpendCounterThatWouldOverflowRefusesTheCallAndTheKeyKeepsWorking() async throws {
        let clock = TestClock("2026-03-10T10:00:00Z")
        let tenant = try await TestKeys.tenant()
        let service = try await TestKeys.create(tenantID: tenant, scopes: [.keysVerify], rateLimitRPM: 0)
        let target = try await TestKeys.create(tenantID: tenant, scopes: [.accountManage], rateLimitRPM: 0, spendPeriod: "forever")
        let database = try await TestKeys.database()
        let full = Decimal(string: "99999999999999.500000")!
        try await database.withTenant(tenant) { session in
            try await session.execute("UPDATE api_keys SET spend_period_used = \(full) WHERE id = \(target.id)")
        }
        let configuration = try await APIKeyHotPathTests.configuration(clock: clock, prices: ["GET /api/v2/api-keys": 1])
        try await TestApp.run(configuration) { client in
            let verify = try await client.send(.post, "/api/v2/keys/verify", json: ["key": target.raw, "cost": "1"],
                                               headers: [Self.apiKey: service.raw])
            #expect(verify.status == .ok)
            #expect(try verify.json["code"] as? String == "spend_limit_exceeded")
            let direct = try await client.send(.get, "/api/v2/api-keys", headers: [Self.apiKey: target.raw])
            #expect(direct.status.code == 402)
            #expect(direct.errorCode == "spend_limit_exceeded")
            // A free call still passes: the key is not broken.
            let free = try await client.send(.post, "/api/v2/keys/verify", json: ["key": target.raw, "cost": "0"],
                                             headers: [Self.apiKey: service.raw])
            #expect(try free.json["code"] as? String == "valid")
        }
        let used: Decimal = try await database.withTenant(tenant) { session in
            try await session.query("SELECT spend_period_used FROM api_keys WHERE id = \(target.id)").first!.decode("spend_period_used")
        }
        #expect(used == full)
        await database.pool.shutdown()
    }

    @Test func databaseDataErrorsBecome4xxWithTheFieldWhereKnown() async throws {
        let tenant = try await TestKeys.tenant()
        let database = try await TestKeys.database()
        defer { Task { await database.pool.shutdown() } }
        func failure(_ query: PostgresQuery) async -> (any Error)? {
            do {
                _ = try await database.withTenant(tenant) { try await $0.query(query) }
                return nil
            } catch { return error }
        }
        // Class 22: out of range, no field known.
        let overflow = try #require(await failure("SELECT \(Decimal(string: "1e30")!)::numeric(20,6) AS n"))
        let outOfRange = ErrorTranslation.translate(overflow)
        #expect(outOfRange.error.code == .invalidRequest)
        #expect(outOfRange.internalCause == nil)
        // Class 23: a check constraint names the column.
        let check = try #require(await failure("""
            INSERT INTO api_keys (tenant_id, name, key_hash, key_prefix) VALUES (\(tenant), '', '\\x00'::bytea, 'gk_live_0000')
            """))
        let named = ErrorTranslation.translate(check)
        #expect(named.error.code == .validationFailed)
        #expect(named.error.fieldErrors.first?.field == "name")
    }
}
