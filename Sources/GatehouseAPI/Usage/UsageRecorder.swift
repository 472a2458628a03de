import Foundation
import GatehouseStore
import Logging
import Prometheus
import ServiceLifecycle
import Synchronization

/// Records key-authenticated calls off the request's critical path: `record` only appends to a
/// bounded in-memory queue; `run` (a lifecycle service) writes the queue in batches every
/// interval, one statement per tenant (multi-row insert into `usage_log` + `usage_daily`
/// upserts), and drains it completely on graceful shutdown, after the HTTP server has stopped.
///
/// Bounded on purpose: when the database is slow or away the queue stops at `capacity`, and a
/// record arriving at a full queue is dropped (the newest is refused, so what is queued keeps
/// its order), counted in `usage_log_dropped_total` and logged (at most once per interval).
/// A failed batch goes back to the front of the queue and is retried on the next tick.
final class UsageRecorder: Service, Sendable {
    private struct State {
        var queue: [UsageLogEntry] = []
        var droppedSinceLog = 0
    }

    private let repository: any UsageLogRepository
    private let capacity: Int
    private let interval: Duration
    private let batchSize: Int
    private let logger: Logger
    private let state = Mutex(State())
    private let droppedCounter: Counter
    private let writtenCounter: Counter
    private let depthGauge: Gauge

    init(repository: any UsageLogRepository, capacity: Int, interval: Duration, batchSize: Int = 2000,
         registry: PrometheusCollectorRegistry, logger: Logger) {
        self.repository = repository
        self.capacity = capacity
        self.interval = interval
        self.batchSize = batchSize
        self.logger = logger
        self.droppedCounter = registry.makeCounter(
            name: "usage_log_dropped_total", help: "Usage records dropped because the in-memory queue was full")
        self.writtenCounter = registry.makeCounter(
            name: "usage_log_written_total", help: "Usage records written to the database")
        self.depthGauge = registry.makeGauge(
            name: "usage_log_queue_depth", help: "Usage records waiting in memory to be written")
    }

    /// Queues one record; never waits. Returns false when the queue was full (record dropped).
    @discardableResult
    func record(_ entry: UsageLogEntry) -> Bool {
        let accepted = state.withLock { state in
            guard state.queue.count < capacity else {
                state.droppedSinceLog += 1
                return false
            }
            state.queue.append(entry)
            return true
        }
        if !accepted { droppedCounter.increment() }
        return accepted
    }

    /// Records waiting to be written.
    var pending: Int { state.withLock { $0.queue.count } }

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: self.interval) }
            await flush()
        }
        // Shutdown: the server has stopped taking requests; write everything, a few tries.
        for attempt in 1...5 {
            if await flush(), pending == 0 { return }
            if pending == 0 { return }
            try? await Task.sleep(for: .milliseconds(200 * attempt))
        }
        let lost = pending
        if lost > 0 {
            logger.error("usage log: records lost at shutdown, the database did not accept them", metadata: ["count": "\(lost)"])
        }
    }

    /// Writes everything queued now, in batches grouped by tenant. Returns false if a write failed
    /// (the failed batch is back at the front of the queue).
    @discardableResult
    func flush() async -> Bool {
        reportDrops()
        while true {
            let batch: [UsageLogEntry] = state.withLock { state in
                let count = min(batchSize, state.queue.count)
                let batch = Array(state.queue.prefix(count))
                state.queue.removeFirst(count)
                return batch
            }
            guard !batch.isEmpty else { break }
            var failed: [UsageLogEntry] = []
            for (tenantID, entries) in Dictionary(grouping: batch, by: \.tenantID) {
                do {
                    try await repository.append(tenantID: tenantID, entries)
                    writtenCounter.increment(by: Int64(entries.count))
                } catch {
                    logger.warning("usage log: batch write failed, will retry", metadata: [
                        "count": "\(entries.count)", "error": "\(String(reflecting: error))",
                    ])
                    failed.append(contentsOf: entries)
                }
            }
            if !failed.isEmpty {
                requeue(failed)
                updateDepth()
                return false
            }
        }
        updateDepth()
        return true
    }

    private func requeue(_ entries: [UsageLogEntry]) {
        let dropped = state.withLock { state in
            // Keep the cap: what cannot fit back is dropped, oldest of the failed batch first.
            let room = max(0, capacity - state.queue.count)
            let kept = Array(entries.suffix(room))
            state.queue.insert(contentsOf: kept, at: 0)
            state.droppedSinceLog += entries.count - kept.count
            return entries.count - kept.count
        }
        if dropped > 0 { droppedCounter.increment(by: Int64(dropped)) }
    }

    private func reportDrops() {
        let dropped = state.withLock { state in
            defer { state.droppedSinceLog = 0 }
            return state.droppedSinceLog
        }
        if dropped > 0 {
            logger.error("usage log: queue full, records dropped", metadata: ["dropped": "\(dropped)", "capacity": "\(capacity)"])
        }
    }

    private func updateDepth() {
        depthGauge.set(Double(pending))
    }
}
