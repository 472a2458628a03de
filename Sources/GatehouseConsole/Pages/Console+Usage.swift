import Foundation
import GatehouseCore
import GatehouseServices
import GatehouseStore

/// The tenant's usage this month (against the plan's limits when known), the daily breakdown
/// with each session's messages, and its CSV.
extension Console {
    func usagePage(_ call: ConsoleCall) async throws -> ConsoleResponse {
        let user = try require("usageCurrent", call)
        let now = keys.clock()
        let report = try await usageReports.current(tenantID: user.tenantID, now: now)
        // The plan and the usage counted against it: the numbers of GET /billing/subscription.
        let overview = try await billing.overview(tenantID: user.tenantID, now: now)
        let days = try await usageReports.daily(tenantID: user.tenantID, monthStart: now)
        let names = Dictionary(report.bySession.map { ($0.sessionID, $0.name) }, uniquingKeysWith: { first, _ in first })

        var meters = Self.planMeters(overview)
        meters.append(["key": "api_calls", "label": "API calls", "used": ConsoleFormat.integer(report.apiCalls),
                       "note": "Calls made with your keys; cost \(ConsoleFormat.money(report.cost))"])
        let context: [String: Any] = [
            "month": Self.monthName(report.periodStart), "periodEnd": ConsoleFormat.time(report.periodEnd),
            "planName": overview.subscription.plan.displayName,
            "meters": meters, "hasDays": !days.isEmpty,
            "days": days.reversed().map { day -> [String: Any] in
                ["day": day.day, "apiCalls": ConsoleFormat.integer(day.apiCalls), "messagesSent": ConsoleFormat.integer(day.messagesSent),
                 "cost": ConsoleFormat.money(day.cost),
                 "sessions": day.bySession.map { session -> [String: Any] in
                     ["name": names[session.sessionID] ?? String(session.sessionID.uuidString.lowercased().prefix(8)),
                      "count": ConsoleFormat.integer(session.messagesSent)]
                 }]
            },
        ]
        return .page(templates.page("usage", title: "Usage", call: call, section: .usage, context))
    }

    /// GET /console/usage.csv: one row per day and session (days without session messages
    /// have one row with empty session columns).
    func usageCSV(_ call: ConsoleCall) async throws -> ConsoleResponse {
        let user = try require("usageDaily", call)
        let now = keys.clock()
        let report = try await usageReports.current(tenantID: user.tenantID, now: now)
        let days = try await usageReports.daily(tenantID: user.tenantID, monthStart: now)
        let names = Dictionary(report.bySession.map { ($0.sessionID, $0.name) }, uniquingKeysWith: { first, _ in first })
        var lines = ["day,api_calls,messages_sent,cost,session_id,session_name,session_messages_sent"]
        for day in days {
            let head = "\(day.day),\(day.apiCalls),\(day.messagesSent),\((Money(exactly: day.cost) ?? .zero).description)"
            if day.bySession.isEmpty { lines.append(head + ",,,") }
            for session in day.bySession {
                let id = session.sessionID.uuidString.lowercased()
                lines.append("\(head),\(id),\(Self.csvField(names[session.sessionID] ?? "")),\(session.messagesSent)")
            }
        }
        let month = String(Self.monthKey(report.periodStart))
        return ConsoleResponse(status: 200, body: .text(lines.joined(separator: "\r\n") + "\r\n", contentType: "text/csv; charset=utf-8",
                                                      filename: "gatehouse-usage-\(month).csv"))
    }

    /// This month against each limit of the plan (the usage and billing pages show the same).
    static func planMeters(_ overview: BillingService.Overview) -> [[String: Any]] {
        let limits = overview.subscription.plan.limits
        let usage = overview.usage
        return [
            meter("messages", "Messages sent this month", used: usage.messagesThisMonth, limit: limits.maxMessagesPerMonth),
            meter("sessions", "Live sessions", used: usage.sessions, limit: limits.maxSessions),
            meter("ai_replies", "AI replies this month", used: usage.aiRepliesThisMonth, limit: limits.aiRepliesPerMonth),
            meter("groups", "Groups", used: usage.groups, limit: limits.maxGroups),
            meter("labels", "Labels", used: usage.labels, limit: limits.maxLabels),
        ]
    }

    /// One meter: the bar is amber from 80 % of the limit and red at 100 %, and says so in words.
    private static func meter(_ key: String, _ label: String, used: Int, limit: Int) -> [String: Any] {
        var bar = ConsoleFormat.bar(used: Decimal(used), limit: Decimal(limit),
                                    label: "\(label): \(ConsoleFormat.integer(used)) of \(ConsoleFormat.integer(limit))")
        switch bar["level"] as? String {
        case "over": bar["warning"] = "limit reached"
        case "warn": bar["warning"] = "close to the limit"
        default: break
        }
        return ["key": key, "label": label, "used": ConsoleFormat.integer(used), "limit": ConsoleFormat.integer(limit), "bar": bar]
    }

    /// A CSV field, quoted when it holds a comma, quote or line break; a leading `=+-@` is
    /// prefixed with `'` so spreadsheets do not run it as a formula.
    static func csvField(_ text: String) -> String {
        var value = text
        if let first = value.first, "=+-@\t\r".contains(first) { value = "'" + value }
        guard value.contains(where: { ",\"\r\n".contains($0) }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    static func monthKey(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")!
        formatter.dateFormat = "yyyy-MM"
        return formatter.string(from: date)
    }

    static func monthName(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")!
        formatter.dateFormat = "MMMM yyyy"
        return formatter.string(from: date)
    }
}
