import Foundation
import GatehouseAPI
import GatehouseAuth
import GatehouseCore
import GatehouseStore
import GatehouseTestSupport
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Postgres
import Testing

/// The hot path over real HTTP with an injected clock: sliding window, spend periods, headers.
@Suite("API keys: rate limits and spend caps on the hot path")
struct APIKeyHotPathTests {
    static let apiKey = HTTPField.Name("X-API-Key")!

    static func configuration(clock: TestClock, prices: [String: Decimal] = [:]) async throws -> AppConfiguration {
        var configuration = try await TestApp.configuration()
        configuration.clock = clock.function
        configuration.routePrices = prices
        configuration.usageFlushInterval = .milliseconds(50)
        return configuration
    }

    static func header(_ response: TestResponse, _ name: String) -> String? {
        response.headers[HTTPField.Name(name)!]
    }

    @Test func slidingWindowAdmitsExactlyTheLimitAndSlides() async throws {
        let clock = TestClock("2026-03-10T12:00:00Z")
        let tenant = try await TestKeys.tenant()
        let key = try await TestKeys.create(tenantID: tenant, scopes: [.accountManage], rateLimitRPM: 10)
        try await TestApp.run(try await Self.configuration(clock: clock)) { client in
            for index in 0..<10 {
                try await client.execute(uri: "/api/v2/api-keys", method: .get, headers: [Self.apiKey: key.raw]) { response in
                    #expect(response.status == .ok)
                    #expect(Self.header(response, "X-RateLimit-Limit") == "10")
                    #expect(Self.header(response, "X-RateLimit-Remaining") == String(9 - index))
                    #expect(Self.header(response, "X-RateLimit-Reset") == "2026-03-10T12:01:00Z")
                    #expect(Self.header(response, "X-Cost") == "0.000000")
                }
            }
            try await client.execute(uri: "/api/v2/api-keys", method: .get, headers: [Self.apiKey: key.raw]) { response in
                #expect(response.status == .tooManyRequests)
                let problem = try response.json
                #expect(problem["error"] as? String == "rate_limited")
                // 10 hits in this bucket: one more fits once they weigh <= 9, 6 s into the next minute.
                #expect(problem["retry_after_ms"] as? Int == 66_000)
                #expect(Self.header(response, "Retry-After") == "66")
                #expect(Self.header(response, "X-RateLimit-Limit") == "10")
                #expect(Self.header(response, "X-RateLimit-Remaining") == "0")
            }
            // Half-way through the next minute the previous bucket weighs 5: exactly 5 more fit.
            clock.set("2026-03-10T12:01:30Z")
            var admitted = 0
            for _ in 0..<8 {
                try await client.execute(uri: "/api/v2/api-keys", method: .get, headers: [Self.apiKey: key.raw]) { response in
                    if response.status == .ok { admitted += 1 } else { #expect(response.status == .tooManyRequests) }
                }
            }
            #expect(admitted == 5)
            // Two minutes on, both buckets are gone: the full limit again.
            clock.set("2026-03-10T12:03:00Z")
            admitted = 0
            for _ in 0..<12 {
                try await client.execute(uri: "/api/v2/api-keys", method: .get, headers: [Self.apiKey: key.raw]) { response in
                    if response.status == .ok { admitted += 1 }
                }
            }
            #expect(admitted == 10)
        }
    }

    @Test func noCapMeansNoRateLimitHeadersAndNoRefusal() async throws {
        let clock = TestClock("2026-03-10T12:00:00Z")
        let tenant = try await TestKeys.tenant()
        let key = try await TestKeys.create(tenantID: tenant, scopes: [.accountManage], rateLimitRPM: 0)
        try await TestApp.run(try await Self.configuration(clock: clock)) { client in
            for _ in 0..<5 {
                try await client.execute(uri: "/api/v2/api-keys", method: .get, headers: [Self.apiKey: key.raw]) { response in
                    #expect(response.status == .ok)
                    #expect(Self.header(response, "X-RateLimit-Limit") == nil)
                    #expect(Self.header(response, "X-Spend-Period-Limit") == nil)
                    #expect(Self.header(response, "X-Spend-Period-Used") == "0.000000")
                }
            }
        }
    }

    /// Exhausts a cap of 3 at `before`, checks `stillClosed` (same period) is refused and
    /// `opened` (next period) is admitted with the used amount starting again.
    func checkRollover(period: String, before: String, stillClosed: String, opened: String, reset: String) async throws {
        let clock = TestClock(before)
        let tenant = try await TestKeys.tenant()
        let key = try await TestKeys.create(tenantID: tenant, scopes: [.accountManage], rateLimitRPM: 0,
                                            spendLimit: 3, spendPeriod: period)
        let prices: [String: Decimal] = ["GET /api/v2/api-keys": 1]
        try await TestApp.run(try await Self.configuration(clock: clock, prices: prices)) { client in
            for index in 1...3 {
                try await client.execute(uri: "/api/v2/api-keys", method: .get, headers: [Self.apiKey: key.raw]) { response in
                    #expect(response.status == .ok)
                    #expect(Self.header(response, "X-Cost") == "1.000000")
                    #expect(Self.header(response, "X-Spend-Period-Used") == "\(index).000000")
                    #expect(Self.header(response, "X-Spend-Period-Limit") == "3.000000")
                    #expect(Self.header(response, "X-Spend-Period-Reset") == reset)
                }
            }
            try await client.execute(uri: "/api/v2/api-keys", method: .get, headers: [Self.apiKey: key.raw]) { response in
                #expect(response.status == .init(code: 402))
                let problem = try response.json
                #expect(problem["error"] as? String == "spend_limit_exceeded")
                #expect(problem["period_used"] as? String == "3.000000")
                #expect(problem["period_limit"] as? String == "3.000000")
                #expect(problem["period_reset_at"] as? String == reset)
                #expect(Self.header(response, "X-Cost") == "0.000000")
                #expect(Self.header(response, "X-Spend-Period-Used") == "3.000000")
            }
            clock.set(stillClosed)
            try await client.execute(uri: "/api/v2/api-keys", method: .get, headers: [Self.apiKey: key.raw]) { response in
                #expect(response.status == .init(code: 402), "\(period): \(stillClosed) is still in the period")
            }
            clock.set(opened)
            try await client.execute(uri: "/api/v2/api-keys", method: .get, headers: [Self.apiKey: key.raw]) { response in
                #expect(response.status == .ok, "\(period): \(opened) starts a new period")
                #expect(Self.header(response, "X-Spend-Period-Used") == "1.000000")
            }
        }
    }

    @Test func spendCapRollsOverAtTheUTCDay() async throws {
        try await checkRollover(period: "day", before: "2026-03-10T08:00:00Z", stillClosed: "2026-03-10T23:59:59Z",
                                opened: "2026-03-11T00:00:00Z", reset: "2026-03-11T00:00:00Z")
    }

    @Test func spendCapRollsOverOnMonday() async throws {
        // 2026-03-14 is a Saturday: Sunday is still the same ISO week, Monday the 16th is not.
        try await checkRollover(period: "week", before: "2026-03-14T10:00:00Z", stillClosed: "2026-03-15T23:59:00Z",
                                opened: "2026-03-16T00:00:01Z", reset: "2026-03-16T00:00:00Z")
    }

    @Test func spendCapRollsOverAtTheCalendarMonth() async throws {
        try await checkRollover(period: "month", before: "2026-02-01T00:00:00Z", stillClosed: "2026-02-28T23:59:59Z",
                                opened: "2026-03-01T00:00:00Z", reset: "2026-03-01T00:00:00Z")
    }

    @Test func foreverNeverRollsOver() async throws {
        let clock = TestClock("2026-03-10T12:00:00Z")
        let tenant = try await TestKeys.tenant()
        let key = try await TestKeys.create(tenantID: tenant, scopes: [.accountManage], rateLimitRPM: 0,
                                            spendLimit: 1, spendPeriod: "forever")
        let prices: [String: Decimal] = ["GET /api/v2/api-keys": 1]
        try await TestApp.run(try await Self.configuration(clock: clock, prices: prices)) { client in
            try await client.execute(uri: "/api/v2/api-keys", method: .get, headers: [Self.apiKey: key.raw]) { response in
                #expect(response.status == .ok)
                #expect(Self.header(response, "X-Spend-Period-Reset") == nil)
            }
            clock.set("2027-06-01T00:00:00Z")
            try await client.execute(uri: "/api/v2/api-keys", method: .get, headers: [Self.apiKey: key.raw]) { response in
                #expect(response.status == .init(code: 402))
            }
        }
    }

    @Test func aCallThatWouldCrossTheCapIsRefusedAndFreeCallsStillPass() async throws {
        let clock = TestClock("2026-03-10T12:00:00Z")
        let tenant = try await TestKeys.tenant()
        let key = try await TestKeys.create(tenantID: tenant, scopes: [.accountManage], rateLimitRPM: 0,
                                            spendLimit: Decimal(string: "1.5")!, spendPeriod: "day")
        let prices: [String: Decimal] = ["GET /api/v2/api-keys": 1]
        try await TestApp.run(try await Self.configuration(clock: clock, prices: prices)) { client in
            try await client.execute(uri: "/api/v2/api-keys", method: .get, headers: [Self.apiKey: key.raw]) { response in
                #expect(response.status == .ok)
            }
            try await client.execute(uri: "/api/v2/api-keys", method: .get, headers: [Self.apiKey: key.raw]) { response in
                #expect(response.status == .init(code: 402))
                #expect((try? response.json)?["period_used"] as? String == "1.000000")
            }
            // An unpriced route is still open while used < limit.
            try await client.execute(uri: "/api/v2/api-keys/\(key.id)", method: .get, headers: [Self.apiKey: key.raw]) { response in
                #expect(response.status == .ok)
                #expect(Self.header(response, "X-Cost") == "0.000000")
            }
        }
    }

    @Test func expiredRevokedInactiveAndTrialExpiredKeysAreRefused() async throws {
        let clock = TestClock("2026-03-10T12:00:00Z")
        let tenant = try await TestKeys.tenant()
        let expired = try await TestKeys.create(tenantID: tenant, scopes: [.accountManage], expiresAt: TestClock.date("2026-03-10T11:00:00Z"))
        let trial = try await TestKeys.create(tenantID: tenant, scopes: [.accountManage], isTrial: true,
                                              trialExpiresAt: TestClock.date("2026-03-10T11:59:59Z"))
        let live = try await TestKeys.create(tenantID: tenant, scopes: [.accountManage])
        try await TestApp.run(try await Self.configuration(clock: clock)) { client in
            try await client.execute(uri: "/api/v2/api-keys", method: .get, headers: [Self.apiKey: expired.raw]) { response in
                #expect(response.status == .unauthorized)
                #expect((try? response.json)?["error"] as? String == "unauthorized")
            }
            try await client.execute(uri: "/api/v2/api-keys", method: .get, headers: [Self.apiKey: trial.raw]) { response in
                #expect(response.status == .unauthorized)
                #expect((try? response.json)?["error"] as? String == "trial_expired")
            }
            let unknown = KeyFormat().generate(.live)
            try await client.execute(uri: "/api/v2/api-keys", method: .get, headers: [Self.apiKey: unknown]) { response in
                #expect(response.status == .unauthorized)
            }
            try await client.execute(uri: "/api/v2/api-keys/\(live.id)", method: .delete, headers: [Self.apiKey: live.raw]) { response in
                #expect(response.status == .noContent)
            }
            try await client.execute(uri: "/api/v2/api-keys", method: .get, headers: [Self.apiKey: live.raw]) { response in
                #expect(response.status == .unauthorized, "revoked: 401 on the very next request")
            }
        }
    }

    /// The extra classes issue 5 relies on: messages per minute and sessions per hour, on top of
    /// the general limit, each refused without touching any counter.
    @Test func messageAndSessionClassesAreLimitedOnTheirOwnWindows() async throws {
        let tenant = try await TestKeys.tenant()
        let key = try await TestKeys.create(tenantID: tenant, scopes: [.messagesSend], rateLimitRPM: 100,
                                            rateLimitMessages: 3, rateLimitSessions: 2)
        let database = try await TestKeys.database()
        defer { Task { await database.pool.shutdown() } }
        let hotPath = PostgresAPIKeyHotPath(database: database)
        let hash = KeyHasher(pepper: TestApp.keyPepper).hash(key.raw)
        let t0 = TestClock.date("2026-03-10T12:00:00Z")

        var outcomes: [APIKeyHit.Outcome] = []
        for _ in 0..<4 {
            outcomes.append(try await hotPath.hit(hash: hash, now: t0, cost: 0, limitClass: .messages, tenantID: nil).outcome)
        }
        #expect(outcomes == [.ok, .ok, .ok, .rateLimited])
        let refused = try await hotPath.hit(hash: hash, now: t0, cost: 0, limitClass: .messages, tenantID: nil)
        #expect(refused.limitedBy == "messages")
        #expect(refused.classLimit == 3)
        #expect(refused.retryAfterMilliseconds == 60_000 + 20_000)
        // The general class is unaffected by the message refusals: 3 of 100 used.
        let plain = try await hotPath.hit(hash: hash, now: t0, cost: 0, limitClass: nil, tenantID: nil)
        #expect(plain.outcome == .ok)
        #expect(plain.rateRemaining == 96)

        // Sessions: 2 per sliding hour.
        let s1 = try await hotPath.hit(hash: hash, now: t0, cost: 0, limitClass: .sessions, tenantID: nil)
        #expect(s1.outcome == .ok)
        #expect(s1.classLimit == 2)
        #expect(s1.classRemaining == 1)
        #expect(s1.classReset == TestClock.date("2026-03-10T13:00:00Z"))
        #expect(try await hotPath.hit(hash: hash, now: t0, cost: 0, limitClass: .sessions, tenantID: nil).outcome == .ok)
        let s3 = try await hotPath.hit(hash: hash, now: t0.addingTimeInterval(1800), cost: 0, limitClass: .sessions, tenantID: nil)
        #expect(s3.outcome == .rateLimited)
        #expect(s3.limitedBy == "sessions")
        // Next hour, 30 minutes in: the previous hour's 2 weigh 1, so one more fits.
        let t1 = TestClock.date("2026-03-10T13:30:00Z")
        #expect(try await hotPath.hit(hash: hash, now: t1, cost: 0, limitClass: .sessions, tenantID: nil).outcome == .ok)
        #expect(try await hotPath.hit(hash: hash, now: t1, cost: 0, limitClass: .sessions, tenantID: nil).outcome == .rateLimited)
        // Messages a minute later: the window slid.
        let t2 = TestClock.date("2026-03-10T12:02:00Z")
        #expect(try await hotPath.hit(hash: hash, now: t2, cost: 0, limitClass: .messages, tenantID: nil).outcome == .ok)

        // A refused request changed nothing: the counters add up to the admitted hits only.
        let counters = try await database.withTenant(tenant) { session in
            try await session.query("SELECT msg_current, msg_previous, ses_current, ses_previous FROM api_keys WHERE id = \(key.id)").first!
        }
        #expect(try counters.decode("msg_current", as: Int.self) == 1)
        #expect(try counters.decode("msg_previous", as: Int.self) == 0)
        #expect(try counters.decode("ses_current", as: Int.self) == 1)
        #expect(try counters.decode("ses_previous", as: Int.self) == 2)
    }

    @Test func theHotPathUpdateIsHeapOnly() async throws {
        let tenant = try await TestKeys.tenant()
        let key = try await TestKeys.create(tenantID: tenant, scopes: [.accountManage], rateLimitRPM: 0)
        let database = try await TestKeys.database()
        defer { Task { await database.pool.shutdown() } }
        let hotPath = PostgresAPIKeyHotPath(database: database)
        let hash = KeyHasher(pepper: TestApp.keyPepper).hash(key.raw)
        // The counters are in no index, so Postgres may update them in place (HOT): check that
        // no index covers a column the hot path writes.
        let owner = try await TestDatabase.ownerPool()
        defer { Task { await owner.shutdown() } }
        let indexed = try await owner.withConnection { try await $0.query("""
            SELECT DISTINCT a.attname
              FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
             WHERE i.indrelid = 'api_keys'::regclass
            """) }.map { try $0.decode("attname", as: String.self) }
        let written = ["rl_window_start", "rl_current", "rl_previous", "msg_window_start", "msg_current", "msg_previous",
                       "ses_window_start", "ses_current", "ses_previous", "spend_period_start", "spend_period_used", "last_used_at"]
        #expect(Set(indexed).isDisjoint(with: written))
        for _ in 0..<3 {
            #expect(try await hotPath.hit(hash: hash, now: Date(), cost: 0, limitClass: nil, tenantID: nil).outcome == .ok)
        }
    }
}
