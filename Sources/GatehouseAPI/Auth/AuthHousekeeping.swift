import Foundation
import GatehouseStore
import Logging
import ServiceLifecycle

/// Drops stale auth-throttle buckets now and then (`platform_throttle_prune`), so the table
/// stays as small as the set of recently active IPs and emails.
struct AuthHousekeeping: Service {
    let database: Database
    /// Buckets whose newest window started more than this long ago are gone.
    let keep: TimeInterval
    let interval: Duration
    let logger: Logger

    func run() async throws {
        do {
            try await cancelWhenGracefulShutdown {
                while !Task.isCancelled {
                    try await Task.sleep(for: interval)
                    do {
                        let cutoff = Date().addingTimeInterval(-keep)
                        try await database.withPlatform { db in
                            try await db.query("SELECT platform_throttle_prune(\(cutoff))")
                        }
                    } catch {
                        logger.warning("auth throttle prune failed", metadata: ["error": "\(error)"])
                    }
                }
            }
        } catch is CancellationError {}
    }
}
