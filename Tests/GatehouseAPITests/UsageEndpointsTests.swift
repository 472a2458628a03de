import Foundation
import GatehouseAPI
import GatehouseCore
import GatehouseStore
import GatehouseTestSupport
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// Issue 9, item 6: `/usage/current`, `/usage/history`, `/usage/daily` and `POST /usage/events`
/// equal exactly what the test did, by month, by day and by session.
@Suite("Usage endpoints: by month, by day, by session, meters")
struct UsageEndpointsTests {
    static let apiKey = HTTPField.Name("X-API-Key")!

    /// Polls `uri` (the usage log is written off the request path) until `done` holds.
    static func poll(_ client: some TestClientProtocol, _ uri: String, headers: HTTPFields,
                     until done: ([String: Any]) -> Bool) async throws -> [String: Any] {
        var body: [String: Any] = [:]
        try await Eventually.wait(for: "GET \(uri) to show the usage the test made (last answer: \(body))") {
            let response = try await client.send(.get, uri, headers: headers)
            #expect(response.status == .ok, "\(uri): \(response.text)")
            body = try response.json
            return done(body)
        }
        return body
    }

    @Test func apiCallsAndCostByMonthAndByDay() async throws {
        let clock = TestClock("2026-02-27T10:00:00Z")
        let tenant = try await TestKeys.tenant()
        let key = try await TestKeys.create(tenantID: tenant, scopes: [.accountManage], rateLimitRPM: 0)
        let configuration = try await APIKeyHotPathTests.configuration(
            clock: clock, prices: ["GET /api/v2/api-keys": Decimal(string: "0.5")!])
        try await TestApp.run(configuration) { client in
            func calls(_ count: Int) async throws {
                for _ in 0..<count {
                    clock.advance(seconds: 1)
                    let response = try await client.send(.get, "/api/v2/api-keys", headers: [Self.apiKey: key.raw])
                    #expect(response.status == .ok)
                }
            }
            try await calls(2)
            clock.set("2026-03-01T09:00:00Z")
            try await calls(3)
            clock.set("2026-03-02T23:59:00Z")
            try await calls(1)
            // Read with a JWT (minted on the test clock): JWT calls are not key-authenticated,
            // so reading adds no API calls.
            let owner = try await TestUsers.addUser(role: .owner, tenantID: tenant, now: clock.function)

            let current = try await Self.poll(client, "/api/v2/usage/current", headers: owner.authorization) {
                $0["api_calls"] as? Int == 4
            }
            #expect(current["period_start"] as? String == "2026-03-01T00:00:00Z")
            #expect(current["period_end"] as? String == "2026-04-01T00:00:00Z")
            #expect(current["api_calls"] as? Int == 4)
            #expect(current["cost"] as? String == "2.000000")
            #expect(current["messages_sent"] as? Int == 0)
            #expect((current["by_session"] as? [Any])?.isEmpty == true)

            let history = try await client.send(.get, "/api/v2/usage/history?months=3", headers: owner.authorization)
            let months = try #require(try history.json["items"] as? [[String: Any]])
            #expect(months.map { $0["month"] as? String } == ["2026-03", "2026-02", "2026-01"])
            #expect(months.map { $0["api_calls"] as? Int } == [4, 2, 0])
            #expect(months.map { $0["cost"] as? String } == ["2.000000", "1.000000", "0.000000"])
            #expect(months.map { $0["messages_sent"] as? Int } == [0, 0, 0])

            let march = try await client.send(.get, "/api/v2/usage/daily?month=2026-03", headers: owner.authorization)
            let marchDays = try #require(try march.json["items"] as? [[String: Any]])
            #expect(marchDays.map { $0["day"] as? String } == ["2026-03-01", "2026-03-02"])
            #expect(marchDays.map { $0["api_calls"] as? Int } == [3, 1])
            #expect(marchDays.map { $0["cost"] as? String } == ["1.500000", "0.500000"])
            // Default month: the current one.
            let defaulted = try await client.send(.get, "/api/v2/usage/daily", headers: owner.authorization)
            #expect(try (defaulted.json["items"] as? [[String: Any]])?.count == 2)
            let february = try await client.send(.get, "/api/v2/usage/daily?month=2026-02", headers: owner.authorization)
            let februaryDays = try #require(try february.json["items"] as? [[String: Any]])
            #expect(februaryDays.map { $0["day"] as? String } == ["2026-02-27"])
            #expect(februaryDays.map { $0["api_calls"] as? Int } == [2])

            for (uri, field) in [("/api/v2/usage/history?months=0", "months"), ("/api/v2/usage/history?months=37", "months"),
                                 ("/api/v2/usage/daily?month=2026-13", "month"), ("/api/v2/usage/daily?month=march", "month")] {
                let response = try await client.send(.get, uri, headers: owner.authorization)
                #expect(response.status == .unprocessableContent, "\(uri)")
                #expect(try (response.json["errors"] as? [[String: Any]])?.first?["field"] as? String == field)
            }
        }
    }

    @Test func messagesBySessionAndMetersAreExact() async throws {
        let tenant = try await TestKeys.tenant()
        let database = try await AdminFixtures.database()
        try await AdminFixtures.setPlan("pro", tenantID: tenant, database: database)
        let key = try await TestKeys.create(
            tenantID: tenant, scopes: [.sessionsManage, .messagesSend, .usageRead, .usageWrite], rateLimitRPM: 0)
        let reader = try await TestKeys.create(tenantID: tenant, scopes: [.usageRead], rateLimitRPM: 0)
        let headers: HTTPFields = [Self.apiKey: key.raw]
        // A pinned clock: "today" and "this month" cannot change between the writes and the reads.
        let clock = TestClock("2026-03-10T12:00:00Z")
        try await TestApp.run(try await APIKeyHotPathTests.configuration(clock: clock)) { client in
            var sessions: [String] = []
            for name in ["support", "outreach", "idle"] {
                let response = try await client.send(.post, "/api/v2/sessions", json: ["name": name], headers: headers)
                #expect(response.status == .created)
                sessions.append(try #require(try response.json["id"] as? String))
            }
            for (session, count) in [(sessions[0], 3), (sessions[1], 1)] {
                for index in 0..<count {
                    let response = try await client.send(
                        .post, "/api/v2/messages", json: ["session_id": session, "to": "+15551230000", "text": "hi \(index)"],
                        headers: headers)
                    #expect(response.status == .accepted)
                }
            }
            for _ in 0..<2 {
                let response = try await client.send(.post, "/api/v2/sessions/\(sessions[0])/inbound",
                                                     json: ["from": "+15551230000", "text": "hello"], headers: headers)
                #expect(response.status == .accepted)
            }
            let now = clock.now
            let events: [[String: Any]] = [
                ["meter": "ai_replies", "quantity": 3],
                ["meter": "ai_replies", "quantity": 4],
                ["meter": "groups", "quantity": 5, "at": Self.rfc3339(now.addingTimeInterval(-60))],
                // Older than the value above: a gauge keeps the latest measurement.
                ["meter": "groups", "quantity": 2, "at": Self.rfc3339(now.addingTimeInterval(-120))],
                ["meter": "labels", "quantity": 7],
            ]
            for event in events {
                let response = try await client.send(.post, "/api/v2/usage/events", json: event, headers: headers)
                #expect(response.status == .created)
                #expect(try response.json["quantity"] as? Int == event["quantity"] as? Int)
            }
            // usage:write is needed to report; a bad meter or quantity is 4xx.
            let refused = try await client.send(.post, "/api/v2/usage/events", json: ["meter": "groups", "quantity": 1],
                                                headers: [Self.apiKey: reader.raw])
            #expect(refused.status == .forbidden)
            let negative = try await client.send(.post, "/api/v2/usage/events", json: ["meter": "groups", "quantity": -1],
                                                 headers: headers)
            #expect(negative.status == .unprocessableContent)
            let unknown = try await client.send(.post, "/api/v2/usage/events", json: ["meter": "tokens", "quantity": 1],
                                                headers: headers)
            #expect(unknown.status.code == 400 || unknown.status.code == 422)

            let current = try await Self.poll(client, "/api/v2/usage/current", headers: [Self.apiKey: reader.raw]) { _ in true }
            #expect(current["messages_sent"] as? Int == 4)
            #expect(current["messages_received"] as? Int == 2)
            #expect(current["sessions"] as? Int == 3)
            #expect(current["ai_replies"] as? Int == 7)
            let bySession = try #require(current["by_session"] as? [[String: Any]])
            #expect(bySession.map { $0["session_id"] as? String } == [sessions[0], sessions[1]])
            #expect(bySession.map { $0["name"] as? String } == ["support", "outreach"])
            #expect(bySession.map { $0["messages_sent"] as? Int } == [3, 1])

            let daily = try await client.send(.get, "/api/v2/usage/daily", headers: [Self.apiKey: reader.raw])
            let days = try #require(try daily.json["items"] as? [[String: Any]])
            let today = try #require(days.last)
            #expect(today["day"] as? String == "2026-03-10")
            #expect(today["messages_sent"] as? Int == 4)
            let todaySessions = try #require(today["by_session"] as? [[String: Any]])
            #expect(todaySessions.map { $0["session_id"] as? String } == [sessions[0], sessions[1]])
            #expect(todaySessions.map { $0["messages_sent"] as? Int } == [3, 1])

            let history = try await client.send(.get, "/api/v2/usage/history?months=1", headers: [Self.apiKey: reader.raw])
            #expect(try (history.json["items"] as? [[String: Any]])?.first?["messages_sent"] as? Int == 4)
        }
        // What GET /billing/subscription shows as its usage block.
        let plan = try await PostgresUsageReportRepository(database: database).planUsage(tenantID: tenant, now: clock.now)
        #expect(plan == PlanUsage(sessions: 3, messagesThisMonth: 4, groups: 5, labels: 7, aiRepliesThisMonth: 7))
        await database.pool.shutdown()
    }

    /// The month edge, pinned by the injected clock: the plan's monthly message limit, the
    /// message rollups and the usage month all turn between a send at 23:59:59.9 on the last
    /// day of a month and one 0.2 s later.
    @Test func aMessageJustBeforeMidnightAndOneJustAfterLandInDifferentMonths() async throws {
        let tenant = try await TestKeys.tenant()   // free plan: 100 messages a month
        let key = try await TestKeys.create(
            tenantID: tenant, scopes: [.sessionsManage, .messagesSend, .usageRead], rateLimitRPM: 0)
        let headers: HTTPFields = [Self.apiKey: key.raw]
        let clock = TestClock("2026-01-31T23:59:00Z")
        try await TestApp.run(try await APIKeyHotPathTests.configuration(clock: clock)) { client in
            let created = try await client.send(.post, "/api/v2/sessions", json: ["name": "edge"], headers: headers)
            #expect(created.status == .created, "\(created.text)")
            let session = try #require(try created.json["id"] as? String)
            func send() async throws -> TestResponse {
                try await client.send(.post, "/api/v2/messages",
                                      json: ["session_id": session, "to": "+15551230000", "text": "hi"], headers: headers)
            }
            for _ in 0..<99 {
                #expect(try await send().status == .accepted)
            }
            clock.set("2026-01-31T23:59:59Z")
            clock.advance(seconds: 0.9)
            #expect(try await send().status == .accepted)
            let refused = try await send()
            #expect(refused.status == .init(code: 402))
            #expect(refused.errorCode == "plan_limit_exceeded")

            clock.set("2026-02-01T00:00:00Z")
            clock.advance(seconds: 0.1)
            #expect(try await send().status == .accepted)

            let current = try await client.send(.get, "/api/v2/usage/current", headers: headers)
            #expect(try current.json["period_start"] as? String == "2026-02-01T00:00:00Z")
            #expect(try current.json["messages_sent"] as? Int == 1)
            let history = try await client.send(.get, "/api/v2/usage/history?months=2", headers: headers)
            let months = try #require(try history.json["items"] as? [[String: Any]])
            #expect(months.map { $0["month"] as? String } == ["2026-02", "2026-01"])
            #expect(months.map { $0["messages_sent"] as? Int } == [1, 100])
            let january = try await client.send(.get, "/api/v2/usage/daily?month=2026-01", headers: headers)
            let days = try #require(try january.json["items"] as? [[String: Any]])
            #expect(days.map { $0["day"] as? String } == ["2026-01-31"])
            #expect(days.map { $0["messages_sent"] as? Int } == [100])
        }
    }

    static func rfc3339(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }
}
