import Foundation
@testable import GatehouseAPI
import GatehouseStore
import Logging
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
}
