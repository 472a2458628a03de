import Foundation
import GatehouseAPI
import GatehouseCore
import GatehouseTestSupport
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// The usage log: every key-authenticated call and every verify is recorded, and the usage
/// breakdowns equal exactly what was sent.
@Suite("API keys: usage log, breakdowns and recent calls")
struct APIKeyUsageTests {
    static let apiKey = HTTPField.Name("X-API-Key")!

    @Test func usageFiguresAreExactByEndpointModelAndDay() async throws {
        let clock = TestClock("2026-03-10T10:00:00Z")
        let tenant = try await TestKeys.tenant()
        let admin = try await TestKeys.create(tenantID: tenant, scopes: [.accountManage], rateLimitRPM: 0)
        let service = try await TestKeys.create(tenantID: tenant, scopes: [.keysVerify], rateLimitRPM: 0)
        let target = try await TestKeys.create(tenantID: tenant, scopes: [.accountManage], rateLimitRPM: 0)
        let configuration = try await APIKeyHotPathTests.configuration(clock: clock, prices: ["GET /api/v2/api-keys": Decimal(string: "0.5")!])
        try await TestApp.run(configuration) { client in
            func direct() async throws {
                clock.advance(seconds: 1)
                try await client.execute(uri: "/api/v2/api-keys", method: .get, headers: [Self.apiKey: target.raw]) { response in
                    #expect(response.status == .ok)
                }
            }
            func verify(cost: String, model: String, tokensIn: Int, tokensOut: Int) async throws {
                clock.advance(seconds: 1)
                let body: [String: Any] = ["key": target.raw, "cost": cost, "model": model, "tokens_in": tokensIn,
                                           "tokens_out": tokensOut, "endpoint": "POST /api/v2/llm/chat"]
                try await client.execute(uri: "/api/v2/keys/verify", method: .post,
                                         headers: [Self.apiKey: service.raw, .contentType: "application/json"],
                                         body: ByteBuffer(data: try JSONSerialization.data(withJSONObject: body))) { response in
                    #expect((try? response.json)?["code"] as? String == "valid")
                }
            }
            // Day 1: 3 direct calls (0.5 each) and 2 verified calls of model m1.
            for _ in 0..<3 { try await direct() }
            try await verify(cost: "0.25", model: "m1", tokensIn: 10, tokensOut: 5)
            try await verify(cost: "0.25", model: "m1", tokensIn: 10, tokensOut: 5)
            // Day 2: 1 direct call and 1 verified call of model m2.
            clock.set("2026-03-11T09:00:00Z")
            try await direct()
            try await verify(cost: "1", model: "m2", tokensIn: 1, tokensOut: 2)

            var usage: [String: Any] = [:]
            for _ in 0..<100 {
                usage = try await client.execute(uri: "/api/v2/api-keys/\(target.id)/usage?since=all", method: .get,
                                                 headers: [Self.apiKey: admin.raw]) { try $0.json }
                if usage["total_calls"] as? Int == 7 { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(usage["total_calls"] as? Int == 7)
            #expect(usage["total_cost"] as? String == "3.500000")
            #expect(usage["total_tokens_in"] as? Int == 21)
            #expect(usage["total_tokens_out"] as? Int == 12)
            let endpoints = try #require(usage["by_endpoint"] as? [[String: Any]])
            #expect(endpoints.count == 2)
            #expect(endpoints[0]["endpoint"] as? String == "GET /api/v2/api-keys")
            #expect(endpoints[0]["count"] as? Int == 4)
            #expect(endpoints[0]["cost"] as? String == "2.000000")
            #expect(endpoints[1]["endpoint"] as? String == "POST /api/v2/llm/chat")
            #expect(endpoints[1]["count"] as? Int == 3)
            #expect(endpoints[1]["cost"] as? String == "1.500000")
            let models = try #require(usage["by_model"] as? [[String: Any]])
            #expect(models.count == 2)
            #expect(models[0]["model"] as? String == "m1")
            #expect(models[0]["count"] as? Int == 2)
            #expect(models[0]["tokens_in"] as? Int == 20)
            #expect(models[0]["tokens_out"] as? Int == 10)
            #expect(models[0]["cost"] as? String == "0.500000")
            #expect(models[1]["model"] as? String == "m2")
            #expect(models[1]["cost"] as? String == "1.000000")
            let days = try #require(usage["by_day"] as? [[String: Any]])
            #expect(days.count == 2)
            #expect(days[0]["day"] as? String == "2026-03-10")
            #expect(days[0]["count"] as? Int == 5)
            #expect(days[0]["cost"] as? String == "2.000000")
            #expect(days[1]["day"] as? String == "2026-03-11")
            #expect(days[1]["count"] as? Int == 2)
            #expect(days[1]["cost"] as? String == "1.500000")

            // `day` covers whole UTC days from 24 h ago: both days here; a week later, nothing.
            clock.set("2026-03-19T09:00:00Z")
            try await client.execute(uri: "/api/v2/api-keys/\(target.id)/usage?since=week", method: .get,
                                     headers: [Self.apiKey: admin.raw]) { response in
                let body = try response.json
                #expect(body["total_calls"] as? Int == 0)
                #expect(body["since"] as? String == "2026-03-12T00:00:00Z")
            }

            // Recent: newest first, with status, cost, tokens and model.
            try await client.execute(uri: "/api/v2/api-keys/\(target.id)/recent?limit=3", method: .get,
                                     headers: [Self.apiKey: admin.raw]) { response in
                let items = try #require(try response.json["items"] as? [[String: Any]])
                #expect(items.count == 3)
                #expect(items[0]["endpoint"] as? String == "POST /api/v2/llm/chat")
                #expect(items[0]["model"] as? String == "m2")
                #expect(items[0]["cost"] as? String == "1.000000")
                #expect(items[0]["tokens_in"] as? Int == 1)
                #expect(items[0]["status_code"] as? Int == 200)
                #expect(items[0]["created_at"] as? String == "2026-03-11T09:00:02Z")
                #expect(items[1]["endpoint"] as? String == "GET /api/v2/api-keys")
                #expect(items[1]["created_at"] as? String == "2026-03-11T09:00:01Z")
                #expect(items[2]["model"] as? String == "m1")
            }
        }
    }

    @Test func refusedCallsAreLoggedWithTheirStatus() async throws {
        let clock = TestClock("2026-03-10T10:00:00Z")
        let tenant = try await TestKeys.tenant()
        // A key reaches only keys whose scopes are a subset of its own.
        let admin = try await TestKeys.create(tenantID: tenant, scopes: [.accountManage, .usageRead], rateLimitRPM: 0)
        let target = try await TestKeys.create(tenantID: tenant, scopes: [.usageRead], rateLimitRPM: 1)
        try await TestApp.run(try await APIKeyHotPathTests.configuration(clock: clock)) { client in
            // Admitted but missing the scope (403), then refused by the rate limit (429).
            for expected in [HTTPResponse.Status.forbidden, .tooManyRequests] {
                clock.advance(seconds: 1)
                try await client.execute(uri: "/api/v2/api-keys", method: .get, headers: [Self.apiKey: target.raw]) { response in
                    #expect(response.status == expected)
                }
            }
            var statuses: [Int] = []
            for _ in 0..<100 {
                statuses = try await client.execute(uri: "/api/v2/api-keys/\(target.id)/recent", method: .get,
                                                    headers: [Self.apiKey: admin.raw]) { response in
                    try #require(try response.json["items"] as? [[String: Any]]).compactMap { $0["status_code"] as? Int }
                }
                if statuses.count == 2 { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(statuses == [429, 403])
        }
    }
}
