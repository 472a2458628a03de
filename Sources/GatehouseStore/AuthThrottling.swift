import Foundation
import Postgres

/// Throttling of unauthenticated auth endpoints, decided in Postgres (`platform_throttle_hit`)
/// so every replica shares the count.
public protocol AuthThrottling: Sendable {
    /// Counts one hit on `bucket`; returns nil when admitted, else seconds to wait.
    func hit(bucket: String, limit: Int, windowSeconds: Int) async throws -> Int?
}
