import Foundation
import Postgres

/// Throttling of unauthenticated auth endpoints, decided in Postgres (`platform_throttle_hit`)
/// so every replica shares the count.
public protocol AuthThrottling: Sendable {
    /// Counts one hit on `bucket`; returns nil when admitted, else seconds to wait.
    func hit(bucket: String, limit: Int, windowSeconds: Int) async throws -> Int?

    /// Takes back one earlier admitted hit on `bucket` (an attempt that turned out not to count).
    func refund(bucket: String, windowSeconds: Int) async throws
}
