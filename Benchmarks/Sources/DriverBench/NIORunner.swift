import Foundation
import Logging
import PostgresNIO

/// The workload through postgres-nio's `PostgresClient` (its own pool; unnamed statements,
/// as `client.query` sends them).
enum NIORunner {
    static func run(_ workload: Workload) async throws -> Measurement {
        guard let components = URLComponents(string: workload.url), let host = components.host else {
            throw CancellationError()
        }
        var configuration = PostgresClient.Configuration(
            host: host, port: components.port ?? 5432, username: components.user ?? "postgres",
            password: components.password, database: String(components.path.dropFirst()), tls: .disable)
        configuration.options.maximumConnections = workload.connections
        configuration.options.minimumConnections = workload.connections
        let client = PostgresClient(configuration: configuration, backgroundLogger: Logger(label: "postgres-nio"))
        return try await withThrowingTaskGroup(of: Measurement?.self) { group in
            group.addTask {
                await client.run()
                return nil
            }
            let operation: @Sendable (Int) async throws -> Void
            switch workload.statement {
            case .hit:
                operation = { counter in
                    let key = counter % workload.keys + 1
                    let rows = try await client.query("""
                        SELECT outcome, rate_remaining
                          FROM platform_api_key_hit((SELECT key_hash FROM bench_hashes WHERE n = \(key)), now(), 0, NULL, NULL)
                        """)
                    var outcome = ""
                    for try await (text, _) in rows.decode((String, Int?).self) { outcome = text }
                    precondition(outcome == "ok")
                }
            case .read:
                operation = { counter in
                    let plan = ["free", "starter", "pro", "business"][counter % 4]
                    let rows = try await client.query("SELECT id, display_name, price_monthly FROM plans WHERE id = \(plan)")
                    for try await _ in rows.decode((String, String, Decimal).self) {}
                }
            }
            _ = try await measure(concurrency: workload.connections, seconds: 0.5, operation)
            let result = try await measure(concurrency: workload.concurrency, seconds: workload.seconds, operation)
            group.cancelAll()
            return result
        }
    }
}
