import Foundation
import GatehouseCore
import GatehouseStore
import GatehouseTestSupport
import HTTPTypes
import HummingbirdTesting
import Postgres
import Testing

/// Two `gatehouse serve` processes on one Postgres, as two replicas behind a load balancer.
@Suite("API keys: exact limits across two server processes", .serialized)
struct MultiProcessLimitTests {
    static let apiKey = HTTPField.Name("X-API-Key")!

    /// Avoids starting a burst in the last seconds of a minute, where the sliding window would
    /// (correctly) start to let the previous minute's hits fade during the burst.
    static func awayFromMinuteEdge() async throws {
        let second = Calendar(identifier: .gregorian).component(.second, from: Date())
        if second >= 45 { try await Task.sleep(for: .seconds(61 - second)) }
    }

    static func withTwoServers<T: Sendable>(
        environment: [String: String] = [:],
        _ body: @Sendable (ServerProcess, ServerProcess) async throws -> T
    ) async throws -> (T, [ServerProcess]) {
        try await TestDatabase.migrate()
        let a = try ServerProcess(extraEnvironment: environment)
        let b = try ServerProcess(extraEnvironment: environment)
        do {
            try await a.waitUntilLive()
            try await b.waitUntilLive()
            let value = try await body(a, b)
            await a.stop()
            await b.stop()
            return (value, [a, b])
        } catch {
            await a.stop()
            await b.stop()
            throw error
        }
    }

    @Test func threeNConcurrentRequestsAdmitExactlyNAcrossTwoProcesses() async throws {
        let n = 20
        let tenant = try await TestKeys.tenant()
        let key = try await TestKeys.create(tenantID: tenant, scopes: [.accountManage], rateLimitRPM: n)
        // A long flush interval: the usage log is written only by the graceful shutdown.
        let (responses, servers) = try await Self.withTwoServers(environment: ["USAGE_FLUSH_INTERVAL_MS": "600000"]) { a, b in
            try await Self.awayFromMinuteEdge()
            return try await withThrowingTaskGroup(of: TestClient.Response.self) { group in
                for index in 0..<(3 * n) {
                    let server = index.isMultiple(of: 2) ? a : b
                    group.addTask { try await server.request("/api/v2/api-keys", headers: [Self.apiKey: key.raw]) }
                }
                var all: [TestClient.Response] = []
                for try await response in group { all.append(response) }
                return all
            }
        }
        let admitted = responses.filter { $0.status == .ok }
        let refused = responses.filter { $0.status == .tooManyRequests }
        #expect(admitted.count == n)
        #expect(refused.count == 2 * n)
        // Each admission saw a distinct state of the one row: remaining n-1 ... 0, each once.
        let remaining = admitted.compactMap { $0.headers[HTTPField.Name("X-RateLimit-Remaining")!].flatMap(Int.init) }
        #expect(remaining.sorted() == Array(0..<n))
        for response in admitted + refused {
            #expect(response.headers[HTTPField.Name("X-RateLimit-Limit")!] == String(n))
            #expect(response.headers[HTTPField.Name("X-RateLimit-Reset")!] != nil)
        }
        for response in refused {
            #expect(response.headers[HTTPField.Name("X-RateLimit-Remaining")!] == "0")
            let retryAfter = try #require(response.headers[HTTPField.Name("Retry-After")!].flatMap(Int.init))
            #expect(retryAfter >= 1)
            let body = try JSONSerialization.jsonObject(with: Data(buffer: response.body ?? .init())) as? [String: Any]
            #expect(body?["error"] as? String == "rate_limited")
            #expect((body?["retry_after_ms"] as? Int ?? 0) >= 1)
        }
        let exitedCleanly = servers.allSatisfy { $0.exitedCleanly }
        #expect(exitedCleanly)

        // None lost on a clean shutdown: every request (admitted or refused) is in the usage log.
        let database = try await TestKeys.database()
        defer { Task { await database.pool.shutdown() } }
        let counts = try await database.withTenant(tenant) { session in
            try await session.query("""
                SELECT count(*) FILTER (WHERE status_code = 200) AS ok, count(*) FILTER (WHERE status_code = 429) AS limited
                  FROM usage_log WHERE api_key_id = \(key.id)
                """).first!
        }
        #expect(try counts.decode("ok", as: Int.self) == n)
        #expect(try counts.decode("limited", as: Int.self) == 2 * n)
        for server in servers {
            #expect(!server.log.contains(key.raw), "the raw key must never reach the log")
        }
    }

    @Test func spendCapUnderConcurrencyNeverPassesTheCap() async throws {
        let tenant = try await TestKeys.tenant()
        // 0.25 per call, cap 2.00: exactly 8 calls fit.
        let key = try await TestKeys.create(tenantID: tenant, scopes: [.accountManage], rateLimitRPM: 0,
                                            spendLimit: 2, spendPeriod: "month")
        let (responses, _) = try await Self.withTwoServers(environment: ["ROUTE_PRICES": "GET /api/v2/api-keys=0.25"]) { a, b in
            try await withThrowingTaskGroup(of: TestClient.Response.self) { group in
                for index in 0..<30 {
                    let server = index.isMultiple(of: 2) ? a : b
                    group.addTask { try await server.request("/api/v2/api-keys", headers: [Self.apiKey: key.raw]) }
                }
                var all: [TestClient.Response] = []
                for try await response in group { all.append(response) }
                return all
            }
        }
        let admitted = responses.filter { $0.status == .ok }
        #expect(admitted.count == 8)
        #expect(responses.filter { $0.status == .init(code: 402) }.count == 22)
        let used = admitted.compactMap { $0.headers[HTTPField.Name("X-Spend-Period-Used")!] }
        #expect(Set(used) == Set((1...8).map { Money(exactly: Decimal($0) / 4)!.description }))
        let database = try await TestKeys.database()
        defer { Task { await database.pool.shutdown() } }
        let spent = try await database.withTenant(tenant) { session in
            try await session.query("SELECT spend_period_used::text AS used FROM api_keys WHERE id = \(key.id)").first!
                .decode("used", as: String.self)
        }
        #expect(spent == "2.000000")
    }

    @Test func noRawKeyReachesTheServersLogOrAnyTextColumn() async throws {
        let tenant = try await TestKeys.tenant()
        let admin = try await TestKeys.create(tenantID: tenant, scopes: [.accountManage, .keysVerify], rateLimitRPM: 0)
        let (raws, servers) = try await Self.withTwoServers(environment: ["LOG_LEVEL": "trace", "LOG_FORMAT": "json"]) { a, b in
            var raws = [admin.raw]
            let created = try await a.request("/api/v2/api-keys", method: .post, headers: [Self.apiKey: admin.raw],
                                              body: #"{"name": "hygiene", "scopes": ["account:manage"]}"#)
            let body = try JSONSerialization.jsonObject(with: Data(buffer: created.body ?? .init())) as? [String: Any]
            let raw = try #require(body?["raw_key"] as? String)
            let id = try #require(body?["id"] as? String)
            raws.append(raw)
            _ = try await b.request("/api/v2/api-keys", headers: [Self.apiKey: raw])
            let rotated = try await b.request("/api/v2/api-keys/\(id)/rotate", method: .post, headers: [Self.apiKey: admin.raw],
                                              body: #"{"grace_seconds": 60}"#)
            let rotatedBody = try JSONSerialization.jsonObject(with: Data(buffer: rotated.body ?? .init())) as? [String: Any]
            raws.append(try #require(rotatedBody?["raw_key"] as? String))
            _ = try await a.request("/api/v2/keys/verify", method: .post, headers: [Self.apiKey: admin.raw],
                                    body: #"{"key": "\#(raw)", "model": "m"}"#)
            // Unknown and malformed keys must not be logged either.
            let unknown = "gk_live_" + String(repeating: "ab", count: 32)
            raws.append(unknown)
            _ = try await a.request("/api/v2/api-keys", headers: [Self.apiKey: unknown])
            _ = try await b.request("/api/v2/api-keys", headers: [Self.apiKey: unknown + "x"])
            return raws
        }
        for server in servers {
            let log = server.log
            #expect(!log.isEmpty)
            for raw in raws {
                #expect(!log.contains(raw), "raw key in the server log")
                #expect(!log.contains(String(raw.dropFirst(12))), "the secret part of a key in the server log")
            }
            #expect(log.firstMatch(of: /_live_[0-9a-f]{64}/) == nil)
        }

        // Every text-like column of every table, read as a superuser (past RLS).
        let name = try #require(URLComponents(string: try TestDatabase.appURL)?.path.dropFirst())
        let url = try TestDatabase.replacingDatabase(in: try TestDatabase.adminURL, with: String(name))
        let superuser = PostgresPool(configuration: try PostgresConfiguration(url: url, maxConnections: 1), logger: TestDatabase.logger)
        defer { Task { await superuser.shutdown() } }
        let hits = try await superuser.withConnection { session in
            let columns = try await session.query("""
                SELECT c.table_name, c.column_name, c.data_type
                  FROM information_schema.columns c
                  JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
                 WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'
                   AND c.data_type IN ('text', 'character varying', 'jsonb', 'json', 'ARRAY', 'bytea')
                """)
            var hits: [String] = []
            for column in columns {
                let table: String = try column.decode("table_name")
                let field: String = try column.decode("column_name")
                // bytea as its hex text would hide an ASCII key: decode it as text where it is one.
                let type: String = try column.decode("data_type")
                let expression = type == "bytea" ? "encode(\"\(field)\", 'escape')" : "\"\(field)\"::text"
                let count: Int = try await session.query("""
                    SELECT count(*) AS n FROM \(unescaped: "\"\(table)\"")
                     WHERE \(unescaped: expression) ~ '_(live|admin)_[0-9a-f]{64}'
                    """).first!.decode("n")
                if count > 0 { hits.append("\(table).\(field)") }
            }
            return hits
        }
        #expect(hits.isEmpty, "raw keys stored in \(hits)")
    }
}
