import Foundation
import Logging
import Postgres

/// The workload through Gatehouse's libpq layer (`PostgresPool`, prepared statements on).
enum LibPQRunner {
    static func run(_ workload: Workload) async throws -> Measurement {
        let configuration = try PostgresConfiguration(
            url: workload.url, maxConnections: workload.connections, maxWaiters: 100_000)
        let pool = PostgresPool(configuration: configuration, logger: Logger(label: "libpq"))
        defer { Task { await pool.shutdown() } }
        let operation: @Sendable (Int) async throws -> Void
        switch workload.statement {
        case .hit:
            operation = { counter in
                let key = counter % workload.keys + 1
                let outcome = try await pool.withConnection { session in
                    try await session.query("""
                        SELECT outcome, rate_remaining
                          FROM platform_api_key_hit((SELECT key_hash FROM bench_hashes WHERE n = \(key)), now(), 0, NULL, NULL)
                        """).first!.decode("outcome", as: String.self)
                }
                precondition(outcome == "ok")
            }
        case .read:
            operation = { counter in
                let plan = ["free", "starter", "pro", "business"][counter % 4]
                _ = try await pool.withConnection { session in
                    try await session.query("SELECT id, display_name, price_monthly FROM plans WHERE id = \(plan)").first
                }
            }
        }
        // Warm up: open every connection and prepare the statement on it.
        _ = try await measure(concurrency: workload.connections, seconds: 0.5, operation)
        return try await measure(concurrency: workload.concurrency, seconds: workload.seconds, operation)
    }
}
