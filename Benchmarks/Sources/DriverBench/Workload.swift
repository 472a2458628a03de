import Foundation

/// What each driver runs: `C` tasks issuing one statement after another for a fixed time,
/// over a pool of `N` connections. Both drivers get the same arguments and the same statements.
struct Workload: Sendable {
    enum Statement: String, Sendable {
        /// `SELECT … FROM platform_api_key_hit(…)` on one of `keys` keys (the hot path), the
        /// hash found by number in `scripts/bench`'s `bench_hashes` table.
        case hit
        /// A one-row read by primary key from a global table (`plans`).
        case read
    }

    var url: String
    var connections: Int
    var concurrency: Int
    var seconds: Double
    var statement: Statement
    var keys: Int
}

/// Throughput and tail latency of one run.
struct Measurement: Sendable {
    var operations: Int
    var seconds: Double
    var latencies: [Double]

    var perSecond: Double { Double(operations) / seconds }
    var p99Milliseconds: Double {
        guard !latencies.isEmpty else { return 0 }
        let sorted = latencies.sorted()
        return sorted[min(sorted.count - 1, Int(Double(sorted.count) * 0.99))] * 1000
    }
}

/// Runs `operation` from `concurrency` tasks until `seconds` have passed; counts and times each.
func measure(concurrency: Int, seconds: Double, _ operation: @escaping @Sendable (Int) async throws -> Void) async throws -> Measurement {
    let clock = ContinuousClock()
    let start = clock.now
    let deadline = start + .milliseconds(Int(seconds * 1000))
    let latencies = try await withThrowingTaskGroup(of: [Double].self) { group in
        for worker in 0..<concurrency {
            group.addTask {
                var mine: [Double] = []
                var counter = worker
                while clock.now < deadline {
                    let before = clock.now
                    try await operation(counter)
                    let elapsed = before.duration(to: clock.now)
                    mine.append(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
                    counter += concurrency
                }
                return mine
            }
        }
        return try await group.reduce(into: [Double]()) { $0 += $1 }
    }
    let elapsed = start.duration(to: clock.now)
    let total = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    return Measurement(operations: latencies.count, seconds: total, latencies: latencies)
}
