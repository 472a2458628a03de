import Foundation
@testable import GatehouseAPI
import GatehouseStore
import GatehouseTestSupport
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Postgres
import Prometheus
import Testing

/// Issue 8, item 1: one tenant cannot stop usage logging for the others. The attack comes
/// through `POST /keys/verify` with the attacker's own key (a NUL in `endpoint`/`model`, a
/// `cost` that overflows the rollups), and the writer itself survives rows that fail on
/// their own: they are set aside, every other tenant's rows are written.
@Suite("Usage pipeline: cannot be poisoned by one tenant")
struct UsagePoisoningTests {
    static let apiKey = HTTPField.Name("X-API-Key")!

    /// Waits (bounded) until the key's usage shows `calls` calls; returns the usage body.
    static func usage(_ client: some TestClientProtocol, keyID: UUID, admin: String, calls: Int) async throws -> [String: Any] {
        var usage: [String: Any] = [:]
        for _ in 0..<100 {
            usage = try await client.execute(uri: "/api/v2/api-keys/\(keyID)/usage?since=all", method: .get,
                                             headers: [Self.apiKey: admin]) { try $0.json }
            if usage["total_calls"] as? Int == calls { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        return usage
    }

    @Test func poisonedVerifiesAreRefusedAndAnotherTenantsUsageIsStillWritten() async throws {
        let clock = TestClock("2026-03-10T10:00:00Z")
        let attacker = try await TestKeys.tenant(name: "Attacker")
        let service = try await TestKeys.create(tenantID: attacker, scopes: [.keysVerify], rateLimitRPM: 0)
        let own = try await TestKeys.create(tenantID: attacker, scopes: [.usageRead], rateLimitRPM: 0)
        let victim = try await TestKeys.tenant(name: "Victim")
        let victimKey = try await TestKeys.create(tenantID: victim, scopes: [.accountManage], rateLimitRPM: 0)
        let victimAdmin = try await TestKeys.create(tenantID: victim, scopes: [.accountManage], rateLimitRPM: 0)
        try await TestApp.run(try await APIKeyHotPathTests.configuration(clock: clock)) { client in
            let poisons: [(field: String, body: [String: Any])] = [
                ("endpoint", ["key": own.raw, "endpoint": "POST /x\u{0}y"]),
                ("model", ["key": own.raw, "model": "gpt\u{0}"]),
                ("cost", ["key": own.raw, "cost": "99999999999999"]),
                ("tokens_in", ["key": own.raw, "tokens_in": 5_000_000_000]),
                // Every bound, not only the ones that broke the writer.
                ("tokens_out", ["key": own.raw, "tokens_out": 100_000_001]),
                ("cost", ["key": own.raw, "cost": "-1"]),
                ("endpoint", ["key": own.raw, "endpoint": String(repeating: "e", count: 257)]),
                ("model", ["key": own.raw, "model": String(repeating: "m", count: 129)]),
            ]
            for poison in poisons {
                let response = try await client.send(.post, "/api/v2/keys/verify", json: poison.body,
                                                     headers: [Self.apiKey: service.raw])
                #expect(response.status == .unprocessableContent, "\(poison.field)")
                #expect(response.errorCode == "validation_failed")
                let errors = try #require(try response.json["errors"] as? [[String: Any]])
                #expect(errors.first?["field"] as? String == poison.field)
            }
            // The victim's own calls are still recorded.
            for _ in 0..<2 {
                clock.advance(seconds: 1)
                let response = try await client.send(.get, "/api/v2/api-keys", headers: [Self.apiKey: victimKey.raw])
                #expect(response.status == .ok)
            }
            let usage = try await Self.usage(client, keyID: victimKey.id, admin: victimAdmin.raw, calls: 2)
            #expect(usage["total_calls"] as? Int == 2)
            // And the refused verifies charged nothing to the attacker's own key.
            let spend: Decimal = try await TestKeys.database().withTenant(attacker) { session in
                try await session.query("SELECT spend_period_used FROM api_keys WHERE id = \(own.id)").first!.decode("spend_period_used")
            }
            #expect(spend == 0)
        }
    }

    @Test func rowsTheDatabaseRefusesAreSetAsideAndEveryOtherRowIsWritten() async throws {
        let attacker = try await TestKeys.tenant(name: "Attacker")
        let attackerKey = try await TestKeys.create(tenantID: attacker, scopes: [.usageRead])
        let victim = try await TestKeys.tenant(name: "Victim")
        let victimKey = try await TestKeys.create(tenantID: victim, scopes: [.usageRead])
        let database = try await TestKeys.database()
        let registry = PrometheusCollectorRegistry()
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let recorder = UsageRecorder(repository: PostgresUsageLogRepository(database: database), capacity: 100,
                                     interval: .seconds(60), batchSize: 50, registry: registry, logger: logger)
        func entry(_ tenant: UUID, _ key: UUID, endpoint: String = "GET /api/v2/x", cost: Decimal = 0, tokensIn: Int = 0,
                   model: String? = nil) -> UsageLogEntry {
            UsageLogEntry(tenantID: tenant, keyID: key, endpoint: endpoint, statusCode: 200, cost: cost, tokensIn: tokensIn,
                          tokensOut: 0, model: model, durationMilliseconds: 1, createdAt: Date())
        }
        // Poison spread through one batch, between the victim's rows.
        recorder.record(entry(victim, victimKey.id))
        recorder.record(entry(attacker, attackerKey.id, endpoint: "GET /x\u{0}y"))
        recorder.record(entry(victim, victimKey.id, cost: Decimal(string: "0.5")!))
        recorder.record(entry(attacker, attackerKey.id, cost: Decimal(string: "1e20")!))
        recorder.record(entry(attacker, attackerKey.id, model: "m\u{0}"))
        recorder.record(entry(attacker, attackerKey.id, tokensIn: Int(Int32.max) + 1))
        recorder.record(entry(attacker, attackerKey.id))
        recorder.record(entry(victim, victimKey.id))

        #expect(await recorder.flush() == true)
        #expect(recorder.pending == 0)

        let victimRows: Int = try await database.withTenant(victim) { session in
            try await session.query("SELECT count(*) AS n FROM usage_log WHERE api_key_id = \(victimKey.id)").first!.decode("n")
        }
        #expect(victimRows == 3)
        let victimCost: Decimal = try await database.withTenant(victim) { session in
            try await session.query("SELECT sum(cost) AS c FROM usage_daily WHERE api_key_id = \(victimKey.id)").first!.decode("c")
        }
        #expect(victimCost == Decimal(string: "0.5")!)
        let attackerRows: Int = try await database.withTenant(attacker) { session in
            try await session.query("SELECT count(*) AS n FROM usage_log WHERE api_key_id = \(attackerKey.id)").first!.decode("n")
        }
        #expect(attackerRows == 1)

        // The dead letters are the operator's: read as the database owner.
        let owner = try await TestDatabase.ownerPool(maxConnections: 1)
        let dead = try await owner.withConnection { session in
            try await session.query("""
                SELECT entry, error FROM usage_dead_letters WHERE api_key_id = \(attackerKey.id) ORDER BY created_at
                """)
        }
        await owner.shutdown()
        #expect(dead.count == 4)
        let errors = try dead.map { try $0.decode("error", as: String.self) }
        #expect(errors.filter { $0.hasPrefix("22021") }.count == 2)
        #expect(errors.filter { $0.hasPrefix("22003") }.count == 2)
        let entries = try dead.map { try $0.decode("entry", as: String.self) }
        #expect(entries.contains { $0.contains(#"GET \/x\u0000y"#) || $0.contains(#"GET /x\u0000y"#) })

        var exposition = [UInt8]()
        registry.emit(into: &exposition)
        #expect(String(decoding: exposition, as: UTF8.self).contains("usage_log_dead_letters_total 4"))
        await database.pool.shutdown()
    }

    @Test func aRowNamingAnotherTenantsKeyIsNotWritten() async throws {
        let tenant = try await TestKeys.tenant()
        let other = try await TestKeys.tenant()
        let otherKey = try await TestKeys.create(tenantID: other, scopes: [.usageRead])
        let database = try await TestKeys.database()
        let repository = PostgresUsageLogRepository(database: database)
        let written = try await repository.append([
            UsageLogEntry(tenantID: tenant, keyID: otherKey.id, endpoint: "GET /api/v2/x", statusCode: 200, cost: 1,
                          tokensIn: 0, tokensOut: 0, model: nil, durationMilliseconds: 1, createdAt: Date()),
        ])
        #expect(written == 0)
        for id in [tenant, other] {
            let rows: Int = try await database.withTenant(id) { session in
                try await session.query("SELECT count(*) AS n FROM usage_daily WHERE api_key_id = \(otherKey.id)").first!.decode("n")
            }
            #expect(rows == 0)
        }
        await database.pool.shutdown()
    }

    @Test func verifyingAnotherTenantsKeyChangesNoneOfItsCounters() async throws {
        let clock = TestClock("2026-03-10T10:00:00Z")
        let tenant = try await TestKeys.tenant()
        let service = try await TestKeys.create(tenantID: tenant, scopes: [.keysVerify], rateLimitRPM: 0)
        let other = try await TestKeys.tenant()
        let target = try await TestKeys.create(tenantID: other, scopes: [.usageRead], rateLimitRPM: 5, spendLimit: 10)
        let database = try await TestKeys.database()
        func counters() async throws -> [String?] {
            try await database.withTenant(other) { session in
                let row = try await session.query("""
                    SELECT rl_current::text AS rl, spend_period_used::text AS spend, last_used_at::text AS used,
                           spend_period_start::text AS period
                      FROM api_keys WHERE id = \(target.id)
                    """).first!
                return [try row.decode("rl"), try row.decode("spend"), try row.decode("used"), try row.decode("period")]
            }
        }
        let before = try await counters()
        try await TestApp.run(try await APIKeyHotPathTests.configuration(clock: clock)) { client in
            let response = try await client.send(.post, "/api/v2/keys/verify", json: ["key": target.raw, "cost": "1"],
                                                 headers: [Self.apiKey: service.raw])
            #expect(response.status == .ok)
            let body = try response.json
            #expect(body["valid"] as? Bool == false)
            #expect(body["code"] as? String == "not_found")
        }
        #expect(try await counters() == before)
        await database.pool.shutdown()
    }

    @Test func aRateLimitedVerifyAddsNoTokens() async throws {
        let clock = TestClock("2026-03-10T10:00:00Z")
        let tenant = try await TestKeys.tenant()
        let service = try await TestKeys.create(tenantID: tenant, scopes: [.keysVerify], rateLimitRPM: 0)
        // A key reaches only keys whose scopes are a subset of its own (KeyGrantPolicy).
        let admin = try await TestKeys.create(tenantID: tenant, scopes: [.accountManage, .usageRead], rateLimitRPM: 0)
        let target = try await TestKeys.create(tenantID: tenant, scopes: [.usageRead], rateLimitRPM: 1)
        try await TestApp.run(try await APIKeyHotPathTests.configuration(clock: clock)) { client in
            for expected in ["valid", "rate_limited"] {
                clock.advance(seconds: 1)
                let response = try await client.send(
                    .post, "/api/v2/keys/verify",
                    json: ["key": target.raw, "cost": "0.5", "model": "m", "tokens_in": 10, "tokens_out": 7],
                    headers: [Self.apiKey: service.raw])
                #expect(try response.json["code"] as? String == expected)
            }
            let usage = try await Self.usage(client, keyID: target.id, admin: admin.raw, calls: 2)
            #expect(usage["total_calls"] as? Int == 2)
            #expect(usage["total_tokens_in"] as? Int == 10)
            #expect(usage["total_tokens_out"] as? Int == 7)
            #expect(usage["total_cost"] as? String == "0.500000")
        }
    }
}
