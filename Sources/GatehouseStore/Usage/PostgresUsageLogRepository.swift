import Foundation
import Postgres

/// `usage_log` and `usage_daily`. Reads go through the tenant door; a batch of the server's own
/// records, for any number of tenants, is one call of `platform_usage_append`
/// (`sql/migrations/0010_create_usage_writer.sql`): the rows travel as parallel arrays, and the
/// function writes only rows whose key belongs to the tenant they name.
public struct PostgresUsageLogRepository: UsageLogRepository {
    let database: Database

    public init(database: Database) {
        self.database = database
    }

    @discardableResult
    public func append(_ entries: [UsageLogEntry]) async throws -> Int {
        guard !entries.isEmpty else { return 0 }
        let tenantIDs = entries.map { $0.tenantID.uuidString.lowercased() }
        let keyIDs = entries.map { $0.keyID.uuidString.lowercased() }
        let endpoints = entries.map(\.endpoint)
        let statuses = entries.map { String($0.statusCode) }
        let costs = entries.map { "\($0.cost)" }
        let tokensIn = entries.map { String(max(0, $0.tokensIn)) }
        let tokensOut = entries.map { String(max(0, $0.tokensOut)) }
        let models = entries.map { $0.model ?? "" }
        let durations = entries.map { String(max(0, $0.durationMilliseconds)) }
        let times = entries.map { $0.createdAt.postgresText ?? "" }
        return try await database.pool.withConnection { session in
            try await session.query("""
                SELECT platform_usage_append(\(tenantIDs)::uuid[], \(keyIDs)::uuid[], \(endpoints),
                                             \(statuses)::integer[], \(costs)::numeric[], \(tokensIn)::integer[],
                                             \(tokensOut)::integer[], \(models), \(durations)::integer[],
                                             \(times)::timestamptz[]) AS written
                """).first!.decode("written")
        }
    }

    public func setAside(_ entry: UsageLogEntry, error: String) async throws {
        try await database.pool.withConnection { session in
            try await session.execute("""
                SELECT platform_usage_set_aside(\(entry.tenantID), \(entry.keyID), \(entry.jsonText), \(error))
                """)
        }
    }

    public func summary(tenantID: UUID, keyID: UUID, sinceDay: Date) async throws -> UsageSummary {
        try await database.withTenant(tenantID) { session in
            let totals = try await session.query("""
                SELECT COALESCE(sum(calls), 0)::bigint AS calls, COALESCE(sum(cost), 0) AS cost,
                       COALESCE(sum(tokens_in), 0)::bigint AS tokens_in, COALESCE(sum(tokens_out), 0)::bigint AS tokens_out
                  FROM usage_daily
                 WHERE api_key_id = \(keyID) AND day >= (\(sinceDay) AT TIME ZONE 'UTC')::date
                """).first!
            let endpoints = try await session.query("""
                SELECT endpoint, sum(calls)::bigint AS calls, sum(cost) AS cost
                  FROM usage_daily
                 WHERE api_key_id = \(keyID) AND day >= (\(sinceDay) AT TIME ZONE 'UTC')::date
                 GROUP BY endpoint ORDER BY calls DESC, endpoint
                """)
            let models = try await session.query("""
                SELECT model, sum(calls)::bigint AS calls, sum(cost) AS cost,
                       sum(tokens_in)::bigint AS tokens_in, sum(tokens_out)::bigint AS tokens_out
                  FROM usage_daily
                 WHERE api_key_id = \(keyID) AND day >= (\(sinceDay) AT TIME ZONE 'UTC')::date AND model <> ''
                 GROUP BY model ORDER BY calls DESC, model
                """)
            let days = try await session.query("""
                SELECT day::text AS day, sum(calls)::bigint AS calls, sum(cost) AS cost
                  FROM usage_daily
                 WHERE api_key_id = \(keyID) AND day >= (\(sinceDay) AT TIME ZONE 'UTC')::date
                 GROUP BY day ORDER BY day
                """)
            return UsageSummary(
                totalCalls: try totals.decode("calls"),
                totalCost: try totals.decode("cost"),
                totalTokensIn: try totals.decode("tokens_in"),
                totalTokensOut: try totals.decode("tokens_out"),
                byEndpoint: try endpoints.map {
                    .init(endpoint: try $0.decode("endpoint"), count: try $0.decode("calls"), cost: try $0.decode("cost"))
                },
                byModel: try models.map {
                    .init(model: try $0.decode("model"), count: try $0.decode("calls"), tokensIn: try $0.decode("tokens_in"),
                          tokensOut: try $0.decode("tokens_out"), cost: try $0.decode("cost"))
                },
                byDay: try days.map {
                    .init(day: try $0.decode("day"), count: try $0.decode("calls"), cost: try $0.decode("cost"))
                }
            )
        }
    }

    public func recent(tenantID: UUID, keyID: UUID, limit: Int) async throws -> [RecentUsage] {
        try await database.withTenant(tenantID) { session in
            try await session.query("""
                SELECT id, endpoint, status_code, cost, tokens_in, tokens_out, model, duration_ms, created_at
                  FROM usage_log
                 WHERE api_key_id = \(keyID)
                 ORDER BY created_at DESC, id DESC
                 LIMIT \(limit)
                """).map {
                RecentUsage(id: try $0.decode("id"), endpoint: try $0.decode("endpoint"), statusCode: try $0.decode("status_code"),
                            cost: try $0.decode("cost"), tokensIn: try $0.decode("tokens_in"), tokensOut: try $0.decode("tokens_out"),
                            model: try $0.decode("model"), durationMilliseconds: try $0.decode("duration_ms"),
                            createdAt: try $0.decode("created_at"))
            }
        }
    }
}
