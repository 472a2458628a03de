import Foundation
import Postgres

/// `AuthThrottling` over `platform_throttle_hit`.
public struct PostgresAuthThrottle: AuthThrottling {
    let database: Database

    public init(database: Database) {
        self.database = database
    }

    public func hit(bucket: String, limit: Int, windowSeconds: Int) async throws -> Int? {
        try await database.withPlatform { db in
            // Losing the last hits in a crash only forgets them: no need to wait for the WAL flush.
            try await db.execute("SET LOCAL synchronous_commit = off")
            let row = try await db.query("""
                SELECT allowed, retry_after_seconds FROM platform_throttle_hit(\(bucket), \(Int32(limit)), \(Int32(windowSeconds)))
                """).first
            guard let row, try !row.decode("allowed", as: Bool.self) else { return nil }
            return max(1, Int(try row.decode("retry_after_seconds", as: Int32.self)))
        }
    }

    public func refund(bucket: String, windowSeconds: Int) async throws {
        try await database.withPlatform { db in
            try await db.execute("SET LOCAL synchronous_commit = off")
            _ = try await db.query("SELECT platform_throttle_refund(\(bucket), \(Int32(windowSeconds)))")
        }
    }
}
