import Foundation
import Postgres

/// `UsageReportRepository` through the tenant door, from the rollups only: API calls and cost
/// from `usage_daily`, messages from `usage_session_daily` (kept by a trigger on `messages`),
/// meters from `usage_meter_monthly` and `usage_meter_gauges`
/// (`sql/migrations/0011_create_usage_rollups.sql`). Every query reads a bounded range of
/// rollup rows by the tables' (tenant, month or day) keys.
public struct PostgresUsageReportRepository: UsageReportRepository {
    let database: Database

    public init(database: Database) {
        self.database = database
    }

    public func planUsage(tenantID: UUID, now: Date) async throws -> PlanUsage {
        try await database.withTenant(tenantID) { session in
            let row = try await session.query("""
                WITH month AS (SELECT date_trunc('month', \(now) AT TIME ZONE 'UTC')::date AS first)
                SELECT (SELECT count(*) FROM messaging_sessions
                         WHERE tenant_id = \(tenantID) AND state <> 'deleted')::bigint AS sessions,
                       (SELECT COALESCE(sum(u.messages_sent), 0) FROM usage_session_daily u, month
                         WHERE u.tenant_id = \(tenantID) AND u.day >= month.first
                           AND u.day < (month.first + interval '1 month')::date)::bigint AS messages,
                       COALESCE((SELECT value FROM usage_meter_gauges
                                  WHERE tenant_id = \(tenantID) AND meter = 'groups'), 0) AS groups,
                       COALESCE((SELECT value FROM usage_meter_gauges
                                  WHERE tenant_id = \(tenantID) AND meter = 'labels'), 0) AS labels,
                       COALESCE((SELECT quantity FROM usage_meter_monthly, month
                                  WHERE tenant_id = \(tenantID) AND meter = 'ai_replies'
                                    AND usage_meter_monthly.month = month.first), 0) AS ai_replies
                """).first!
            return PlanUsage(
                sessions: try row.decode("sessions"), messagesThisMonth: try row.decode("messages"),
                groups: try row.decode("groups"), labels: try row.decode("labels"),
                aiRepliesThisMonth: try row.decode("ai_replies"))
        }
    }

    public func current(tenantID: UUID, now: Date) async throws -> UsageReport {
        let plan = try await planUsage(tenantID: tenantID, now: now)
        return try await database.withTenant(tenantID) { session in
            let totals = try await session.query("""
                WITH month AS (SELECT date_trunc('month', \(now) AT TIME ZONE 'UTC')::date AS first)
                SELECT month.first::timestamp AT TIME ZONE 'UTC' AS period_start,
                       (month.first + interval '1 month')::timestamp AT TIME ZONE 'UTC' AS period_end,
                       (SELECT COALESCE(sum(d.calls), 0) FROM usage_daily d
                         WHERE d.tenant_id = \(tenantID) AND d.day >= month.first
                           AND d.day < (month.first + interval '1 month')::date)::bigint AS api_calls,
                       (SELECT COALESCE(sum(d.cost), 0) FROM usage_daily d
                         WHERE d.tenant_id = \(tenantID) AND d.day >= month.first
                           AND d.day < (month.first + interval '1 month')::date) AS cost,
                       (SELECT COALESCE(sum(u.messages_received), 0) FROM usage_session_daily u
                         WHERE u.tenant_id = \(tenantID) AND u.day >= month.first
                           AND u.day < (month.first + interval '1 month')::date)::bigint AS received
                  FROM month
                """).first!
            let sessions = try await session.query("""
                WITH month AS (SELECT date_trunc('month', \(now) AT TIME ZONE 'UTC')::date AS first)
                SELECT u.session_id, s.name, sum(u.messages_sent)::bigint AS sent
                  FROM usage_session_daily u
                  JOIN messaging_sessions s ON s.tenant_id = u.tenant_id AND s.id = u.session_id, month
                 WHERE u.tenant_id = \(tenantID) AND u.day >= month.first
                   AND u.day < (month.first + interval '1 month')::date
                 GROUP BY u.session_id, s.name
                HAVING sum(u.messages_sent) > 0
                 ORDER BY sent DESC, u.session_id
                """)
            return UsageReport(
                periodStart: try totals.decode("period_start"), periodEnd: try totals.decode("period_end"),
                apiCalls: try totals.decode("api_calls"), messagesSent: plan.messagesThisMonth,
                messagesReceived: try totals.decode("received"), sessions: plan.sessions,
                cost: try totals.decode("cost"), aiReplies: plan.aiRepliesThisMonth,
                bySession: try sessions.map {
                    .init(sessionID: try $0.decode("session_id"), name: try $0.decode("name"), messagesSent: try $0.decode("sent"))
                })
        }
    }

    public func history(tenantID: UUID, now: Date, months: Int) async throws -> [UsageMonth] {
        try await database.withTenant(tenantID) { session in
            try await session.query("""
                WITH months AS (
                    SELECT (date_trunc('month', \(now) AT TIME ZONE 'UTC') - n * interval '1 month')::date AS first
                      FROM generate_series(0, \(months - 1)) AS n
                ), calls AS (
                    SELECT date_trunc('month', d.day)::date AS first, sum(d.calls)::bigint AS calls, sum(d.cost) AS cost
                      FROM usage_daily d
                     WHERE d.tenant_id = \(tenantID) AND d.day >= (SELECT min(first) FROM months)
                     GROUP BY 1
                ), sent AS (
                    SELECT date_trunc('month', u.day)::date AS first, sum(u.messages_sent)::bigint AS sent
                      FROM usage_session_daily u
                     WHERE u.tenant_id = \(tenantID) AND u.day >= (SELECT min(first) FROM months)
                     GROUP BY 1
                )
                SELECT to_char(m.first, 'YYYY-MM') AS month, COALESCE(c.calls, 0) AS calls,
                       COALESCE(s.sent, 0) AS sent, COALESCE(c.cost, 0) AS cost
                  FROM months m
                  LEFT JOIN calls c ON c.first = m.first
                  LEFT JOIN sent s ON s.first = m.first
                 ORDER BY m.first DESC
                """).map {
                UsageMonth(month: try $0.decode("month"), apiCalls: try $0.decode("calls"),
                           messagesSent: try $0.decode("sent"), cost: try $0.decode("cost"))
            }
        }
    }

    public func daily(tenantID: UUID, monthStart: Date) async throws -> [UsageDay] {
        try await database.withTenant(tenantID) { session in
            let days = try await session.query("""
                WITH month AS (SELECT date_trunc('month', \(monthStart) AT TIME ZONE 'UTC')::date AS first),
                calls AS (
                    SELECT d.day, sum(d.calls)::bigint AS calls, sum(d.cost) AS cost
                      FROM usage_daily d, month
                     WHERE d.tenant_id = \(tenantID) AND d.day >= month.first
                       AND d.day < (month.first + interval '1 month')::date
                     GROUP BY d.day
                ), sent AS (
                    SELECT u.day, sum(u.messages_sent)::bigint AS sent
                      FROM usage_session_daily u, month
                     WHERE u.tenant_id = \(tenantID) AND u.day >= month.first
                       AND u.day < (month.first + interval '1 month')::date
                     GROUP BY u.day
                    HAVING sum(u.messages_sent) > 0
                )
                SELECT to_char(COALESCE(c.day, s.day), 'YYYY-MM-DD') AS day, COALESCE(c.calls, 0) AS calls,
                       COALESCE(s.sent, 0) AS sent, COALESCE(c.cost, 0) AS cost
                  FROM calls c FULL JOIN sent s ON s.day = c.day
                 ORDER BY 1
                """)
            let sessions = try await session.query("""
                WITH month AS (SELECT date_trunc('month', \(monthStart) AT TIME ZONE 'UTC')::date AS first)
                SELECT to_char(u.day, 'YYYY-MM-DD') AS day, u.session_id, u.messages_sent AS sent
                  FROM usage_session_daily u, month
                 WHERE u.tenant_id = \(tenantID) AND u.day >= month.first
                   AND u.day < (month.first + interval '1 month')::date AND u.messages_sent > 0
                 ORDER BY u.day, u.messages_sent DESC, u.session_id
                """)
            var bySession: [String: [UsageDay.Session]] = [:]
            for row in sessions {
                bySession[try row.decode("day"), default: []].append(
                    .init(sessionID: try row.decode("session_id"), messagesSent: try row.decode("sent")))
            }
            return try days.map { row in
                let day: String = try row.decode("day")
                return UsageDay(day: day, apiCalls: try row.decode("calls"), messagesSent: try row.decode("sent"),
                                cost: try row.decode("cost"), bySession: bySession[day] ?? [])
            }
        }
    }

    public func record(tenantID: UUID, meter: UsageMeter, quantity: Int, at: Date) async throws -> UUID {
        try await database.withTenant(tenantID) { session in
            let id: UUID = try await session.query("""
                INSERT INTO meter_events (tenant_id, meter, quantity, at)
                VALUES (\(tenantID), \(meter.rawValue), \(quantity), \(at))
                RETURNING id
                """).first!.decode("id")
            if meter.isGauge {
                try await session.execute("""
                    INSERT INTO usage_meter_gauges AS g (tenant_id, meter, value, at)
                    VALUES (\(tenantID), \(meter.rawValue), \(quantity), \(at))
                    ON CONFLICT (tenant_id, meter) DO UPDATE SET value = EXCLUDED.value, at = EXCLUDED.at
                     WHERE EXCLUDED.at >= g.at
                    """)
            } else {
                try await session.execute("""
                    INSERT INTO usage_meter_monthly AS m (tenant_id, meter, month, quantity)
                    VALUES (\(tenantID), \(meter.rawValue), date_trunc('month', \(at) AT TIME ZONE 'UTC')::date, \(quantity))
                    ON CONFLICT (tenant_id, meter, month) DO UPDATE SET quantity = m.quantity + EXCLUDED.quantity
                    """)
            }
            return id
        }
    }
}
