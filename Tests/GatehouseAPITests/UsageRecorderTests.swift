import Foundation
@testable import GatehouseAPI
import GatehouseStore
import GatehouseTestSupport
import Logging
import Postgres
import Prometheus
import Synchronization
import Testing

/// The usage queue on its own: bounded when the database is away, nothing lost once it is back.
@Suite("Usage recorder: bounded queue, retries, metrics")
struct UsageRecorderTests {
    /// A repository that fails while `down` is set and remembers what it was given.
    final class FlakyRepository: UsageLogRepository, Sendable {
        let down = Mutex(true)
        let written = Mutex<[UsageLogEntry]>([])

        func append(_ entries: [UsageLogEntry]) async throws -> Int {
            if down.withLock({ $0 }) { throw CancellationError() }
            written.withLock { $0.append(contentsOf: entries) }
            return entries.count
        }
        func setAside(_ entry: UsageLogEntry, error: String) async throws { Issue.record("nothing is refused here") }
        func summary(tenantID: UUID, keyID: UUID, sinceDay: Date) async throws -> UsageSummary { fatalError("unused") }
        func recent(tenantID: UUID, keyID: UUID, limit: Int) async throws -> [RecentUsage] { [] }
    }

    static func entry(_ index: Int, tenant: UUID) -> UsageLogEntry {
        UsageLogEntry(tenantID: tenant, keyID: UUID(), endpoint: "GET /api/v2/x", statusCode: 200, cost: 0, tokensIn: index,
                      tokensOut: 0, model: nil, durationMilliseconds: 1, createdAt: Date())
    }

    @Test func aFullQueueDropsNewRecordsCountsThemAndKeepsTheRestForLater() async throws {
        let repository = FlakyRepository()
        let registry = PrometheusCollectorRegistry()
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let recorder = UsageRecorder(repository: repository, capacity: 100, interval: .seconds(60), batchSize: 30,
                                     registry: registry, logger: logger)
        let tenants = [UUID(), UUID()]
        var accepted = 0
        for index in 0..<150 where recorder.record(Self.entry(index, tenant: tenants[index % 2])) { accepted += 1 }
        #expect(accepted == 100)
        #expect(recorder.pending == 100)

        // Database away: the batch goes back, nothing beyond the cap is kept.
        #expect(await recorder.flush() == false)
        #expect(recorder.pending == 100)
        var exposition = [UInt8]()
        registry.emit(into: &exposition)
        let text = String(decoding: exposition, as: UTF8.self)
        #expect(text.contains("usage_log_dropped_total 50"))

        // Back: everything queued is written, in order per tenant.
        repository.down.withLock { $0 = false }
        #expect(await recorder.flush() == true)
        #expect(recorder.pending == 0)
        let written = repository.written.withLock { $0 }
        #expect(written.count == 100)
        for tenant in tenants {
            let order = written.filter { $0.tenantID == tenant }.map(\.tokensIn)
            #expect(order == order.sorted())
        }
    }

    /// A metric's value in the registry's exposition (nil when absent).
    static func metric(_ name: String, in registry: PrometheusCollectorRegistry) -> Double? {
        var exposition = [UInt8]()
        registry.emit(into: &exposition)
        let line = String(decoding: exposition, as: UTF8.self).split(separator: "\n").first { $0.hasPrefix(name + " ") }
        return line.flatMap { Double($0.split(separator: " ").last!) }
    }

    /// End to end: the recorder's own background loop against the real usage log, through a
    /// database path that is down (`DatabaseProxy` refusing connections), then back. A full
    /// queue drops what arrives, and a failed batch that no longer fits back (the queue filled
    /// while it was out) is dropped too; both are counted in `usage_log_dropped_total`, and
    /// everything kept is written once the database is back.
    @Test func theBackgroundLoopWritesThroughAnOutageAndCountsEveryDroppedRecord() async throws {
        let tenant = try await TestKeys.tenant(name: "Recorder tenant")
        let key = try await TestKeys.create(tenantID: tenant, scopes: [.accountManage])
        let proxy = try await DatabaseProxy.start(forwardingTo: try TestDatabase.appURL)
        var configuration = try PostgresConfiguration(url: proxy.url(replacingIn: try TestDatabase.appURL), maxConnections: 2)
        configuration.acquireTimeout = .seconds(1)
        let pool = PostgresPool(configuration: configuration, logger: TestDatabase.logger)
        let registry = PrometheusCollectorRegistry()
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let recorder = UsageRecorder(repository: PostgresUsageLogRepository(database: Database(pool: pool)), capacity: 100,
                                     interval: .milliseconds(20), batchSize: 30, registry: registry, logger: logger)
        func entry(_ index: Int) -> UsageLogEntry {
            UsageLogEntry(tenantID: tenant, keyID: key.id, endpoint: "GET /api/v2/api-keys", statusCode: 200, cost: 0,
                          tokensIn: index, tokensOut: 0, model: nil, durationMilliseconds: 1, createdAt: Date())
        }

        proxy.refuse()
        let loop = Task { try await recorder.run() }
        // 150 records at a queue of 100: the last 50 are dropped as they arrive.
        let accepted = (0..<150).filter { recorder.record(entry($0)) }.count
        #expect(accepted == 100)
        // The loop takes a batch of 30 out and waits for a connection the database refuses...
        try await Eventually.wait(for: "the background loop to take a batch out of the queue") { recorder.pending == 70 }
        // ...while 30 more arrive and fill the queue again (or, had the batch come back first,
        // are dropped on arrival): either way 30 more records cannot be kept.
        for index in 150..<180 { recorder.record(entry(index)) }
        try await Eventually.wait(for: "80 dropped records counted in usage_log_dropped_total") {
            Self.metric("usage_log_dropped_total", in: registry) == 80
        }

        // Back: the loop writes everything it kept, by itself.
        proxy.accept()
        try await Eventually.wait(for: "the background loop to write the 100 kept records") { recorder.pending == 0 }
        loop.cancel()
        try await loop.value
        #expect(Self.metric("usage_log_written_total", in: registry) == 100)
        #expect(Self.metric("usage_log_dropped_total", in: registry) == 80)
        let logged = try await Database(pool: pool).withTenant(tenant) { session in
            try await session.query("SELECT count(*) AS n FROM usage_log WHERE api_key_id = \(key.id)").first!.decode("n", as: Int.self)
        }
        #expect(logged == 100)
        await pool.shutdown()
        await proxy.stop()
    }
}
