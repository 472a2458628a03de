import Foundation

/// `DriverBench URL STATEMENT CONNECTIONS CONCURRENCY SECONDS KEYS`: runs the workload through
/// the libpq layer and then postgres-nio, and prints one Markdown row per driver:
/// `| statement | driver | connections | concurrency | ops/s | p99 ms |`.
let arguments = Array(CommandLine.arguments.dropFirst())
guard arguments.count == 6, let statement = Workload.Statement(rawValue: arguments[1]),
      let connections = Int(arguments[2]), let concurrency = Int(arguments[3]),
      let seconds = Double(arguments[4]), let keys = Int(arguments[5]) else {
    FileHandle.standardError.write(Data("usage: DriverBench URL hit|read CONNECTIONS CONCURRENCY SECONDS KEYS\n".utf8))
    exit(2)
}
let workload = Workload(url: arguments[0], connections: connections, concurrency: concurrency,
                        seconds: seconds, statement: statement, keys: keys)
for (name, run) in [("libpq layer", LibPQRunner.run), ("postgres-nio 1.33.2", NIORunner.run)] as [(String, @Sendable (Workload) async throws -> Measurement)] {
    let result = try await run(workload)
    let rate = String(format: "%.0f", result.perSecond), p99 = String(format: "%.1f", result.p99Milliseconds)
    print("| \(statement.rawValue) | \(name) | \(connections) | \(concurrency) | \(rate) | \(p99) |")
}
