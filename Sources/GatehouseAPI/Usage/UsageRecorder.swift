import Foundation
import GatehouseStore
import NIOCore
import Postgres
import Logging
import Prometheus
import ServiceLifecycle
import Synchronization

/// Records key-authenticated calls off the request's critical path: `record` only appends to a
/// bounded in-memory ring buffer; `run` (a lifecycle service) writes the queue in batches every
/// interval, one statement per batch for all tenants (`platform_usage_append`), and drains it
/// completely on graceful shutdown, after the HTTP server has stopped.
///
/// Bounded on purpose: when the database is slow or away the queue stops at `capacity`, and a
/// record arriving at a full queue is dropped (the newest is refused, so what is queued keeps
/// its order), counted in `usage_log_dropped_total` and logged (at most once per interval).
///
/// One record can never stop the others: a batch refused because of its data (a value the
/// columns cannot hold) is halved until the records that fail on their own are found; those
/// are set aside in `usage_dead_letters` with the error and counted in
/// `usage_log_dead_letters_total`, and every other record is written. A batch that fails for
/// any other reason (connection lost, pool timeout) keeps its place at the front of the queue
/// and is retried on the next tick.
final class UsageRecorder: Service, Sendable {
    private struct State {
        var queue = CircularBuffer<UsageLogEntry>()
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
    private let deadLetterCounter: Counter
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
        self.deadLetterCounter = registry.makeCounter(
            name: "usage_log_dead_letters_total",
            help: "Usage records set aside in usage_dead_letters because the database refused them on their own")
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

    /// Writes everything queued now, in batches of up to `batchSize` records of any tenants.
    /// Returns false if the database was unavailable (what was not written is back at the
    /// front of the queue, in order).
    @discardableResult
    func flush() async -> Bool {
        reportDrops()
        while true {
            let batch: [UsageLogEntry] = state.withLock { state in
                let count = min(batchSize, state.queue.count)
                var batch: [UsageLogEntry] = []
                batch.reserveCapacity(count)
                for _ in 0..<count { batch.append(state.queue.removeFirst()) }
                return batch
            }
            guard !batch.isEmpty else { break }
            if let unwritten = await write(batch) {
                requeue(unwritten)
                updateDepth()
                return false
            }
        }
        updateDepth()
        return true
    }

    /// Writes `batch`, halving any part the database refuses because of its data until the
    /// single records at fault are found and set aside. Returns nil when everything was written
    /// or set aside, else the records still to write, in order, after a transient failure.
    private func write(_ batch: [UsageLogEntry]) async -> [UsageLogEntry]? {
        // Parts still to write, front first.
        var parts = CircularBuffer<ArraySlice<UsageLogEntry>>(initialCapacity: 16)
        parts.append(batch[...])
        while let part = parts.popFirst() {
            do {
                let written = try await repository.append(Array(part))
                writtenCounter.increment(by: Int64(written))
                if written < part.count {
                    logger.warning("usage log: records skipped, their key is not their tenant's",
                                   metadata: ["count": "\(part.count - written)"])
                }
            } catch let error where Self.isCausedByData(error) {
                if part.count > 1 {
                    let middle = part.startIndex + part.count / 2
                    parts.prepend(part[middle...])
                    parts.prepend(part[..<middle])
                    continue
                }
                do {
                    try await setAside(part.first!, error: error)
                } catch {
                    logger.warning("usage log: could not set a refused record aside, will retry",
                                   metadata: ["error": "\(String(reflecting: error))"])
                    return parts.reduce(into: Array(part)) { $0.append(contentsOf: $1) }
                }
            } catch {
                logger.warning("usage log: batch write failed, will retry", metadata: [
                    "count": "\(part.count)", "error": "\(String(reflecting: error))",
                ])
                return parts.reduce(into: Array(part)) { $0.append(contentsOf: $1) }
            }
        }
        return nil
    }

    private func setAside(_ entry: UsageLogEntry, error: any Error) async throws {
        let reason = (error as? PostgresError).map { "\($0.sqlState ?? "?????"): \($0.serverMessage)" }
            ?? String(describing: error)
        try await repository.setAside(entry, error: reason)
        deadLetterCounter.increment()
        logger.error("usage log: a record the database refuses was set aside in usage_dead_letters", metadata: [
            "tenant_id": "\(entry.tenantID.uuidString.lowercased())", "api_key_id": "\(entry.keyID.uuidString.lowercased())",
            "error": "\(reason)",
        ])
    }

    /// Whether the database refused the rows themselves (SQLSTATE class 22 data exception,
    /// 23 integrity violation, 54 program limit such as an oversized index row), so the same
    /// rows would fail again. Anything else is the database being unavailable: retry later.
    static func isCausedByData(_ error: any Error) -> Bool {
        guard let error = error as? PostgresError, let sqlState = error.sqlState else { return false }
        return error.isDataException || error.isIntegrityViolation || sqlState.hasPrefix("54")
    }

    private func requeue(_ entries: [UsageLogEntry]) {
        let dropped = state.withLock { state in
            // Keep the cap: what cannot fit back is dropped, oldest of the failed batch first.
            let room = max(0, capacity - state.queue.count)
            let kept = entries.suffix(room)
            for entry in kept.reversed() { state.queue.prepend(entry) }
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
