import Foundation
import Postgres

/// `usage_log` and `usage_daily` through the tenant door. A batch is one statement: the rows
/// travel as parallel text arrays (`unnest`), go into `usage_log`, and are summed per
/// key × UTC day × endpoint × model into `usage_daily` with an upsert, in conflict-key order
/// so that two replicas flushing at once cannot deadlock on the rollup rows.
public struct PostgresUsageLogRepository: UsageLogRepository {
    let database: Database

    public init(database: Database) {
        self.database = database
    }

    public func append(tenantID: UUID, _ entries: [UsageLogEntry]) async throws {
        guard !entries.isEmpty else { return }
        let keyIDs = entries.map { $0.keyID.uuidString.lowercased() }
        let endpoints = entries.map(\.endpoint)
        let statuses = entries.map { String($0.statusCode) }
        let costs = entries.map { "\($0.cost)" }
        let tokensIn = entries.map { String(max(0, $0.tokensIn)) }
        let tokensOut = entries.map { String(max(0, $0.tokensOut)) }
        let models = entries.map { $0.model ?? "" }
        let durations = entries.map { String(max(0, $0.durationMilliseconds)) }
        let micros = entries.map { String(Int64(($0.createdAt.timeIntervalSince1970 * 1_000_000).rounded())) }
        try await database.withTenant(tenantID) { session in
            try await session.execute("""
                WITH typed AS (
                    SELECT r.key_id::uuid AS api_key_id, r.endpoint, r.status_code::integer AS status_code,
                           r.cost::numeric AS cost, r.tokens_in::integer AS tokens_in,
                           r.tokens_out::integer AS tokens_out, NULLIF(r.model, '') AS model,
                           r.duration_ms::integer AS duration_ms,
                           timestamptz 'epoch' + r.at_us::bigint * interval '1 microsecond' AS created_at
                      FROM unnest(\(keyIDs)::text[], \(endpoints)::text[], \(statuses)::text[], \(costs)::text[],
                                  \(tokensIn)::text[], \(tokensOut)::text[], \(models)::text[], \(durations)::text[],
                                  \(micros)::text[])
                           AS r(key_id, endpoint, status_code, cost, tokens_in, tokens_out, model, duration_ms, at_us)
                ), logged AS (
                    INSERT INTO usage_log (tenant_id, api_key_id, endpoint, status_code, cost, tokens_in,
                                           tokens_out, model, duration_ms, created_at)
                    SELECT \(tenantID), t.api_key_id, t.endpoint, t.status_code, t.cost, t.tokens_in,
                           t.tokens_out, t.model, t.duration_ms, t.created_at
                      FROM typed t
                    RETURNING 1
                )
                INSERT INTO usage_daily AS d (tenant_id, api_key_id, day, endpoint, model, calls, cost, tokens_in, tokens_out)
                SELECT \(tenantID), t.api_key_id, (t.created_at AT TIME ZONE 'UTC')::date, t.endpoint,
                       COALESCE(t.model, ''), count(*), sum(t.cost), sum(t.tokens_in), sum(t.tokens_out)
                  FROM typed t
                 GROUP BY 2, 3, 4, 5
                 ORDER BY 2, 3, 4, 5
                ON CONFLICT (tenant_id, api_key_id, day, endpoint, model) DO UPDATE SET
                    calls = d.calls + EXCLUDED.calls,
                    cost = d.cost + EXCLUDED.cost,
                    tokens_in = d.tokens_in + EXCLUDED.tokens_in,
                    tokens_out = d.tokens_out + EXCLUDED.tokens_out
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
