import Foundation
import GatehouseCore
import GatehouseStore

/// The tenant's usage this month (against the plan's limits when known), the daily breakdown
/// with each session's messages, and its CSV.
extension Console {
    func usagePage(_ call: ConsoleCall) async throws -> ConsoleResponse {
        let user = try require("usageCurrent", call)
        let now = keys.clock()
        let report = try await usageReports.current(tenantID: user.tenantID, now: now)
        let plan = try await usageReports.planUsage(tenantID: user.tenantID, now: now)
        let limits = try await planLimits(user.tenantID)
        let days = try await usageReports.daily(tenantID: user.tenantID, monthStart: now)
        let names = Dictionary(report.bySession.map { ($0.sessionID, $0.name) }, uniquingKeysWith: { first, _ in first })

        var meters: [[String: Any]] = [
            meter("messages", "Messages sent", used: plan.messagesThisMonth, limit: limits?.messages),
            meter("sessions", "Live sessions", used: plan.sessions, limit: limits?.sessions),
            meter("ai_replies", "AI replies", used: plan.aiRepliesThisMonth, limit: limits?.aiReplies),
            meter("groups", "Groups", used: plan.groups, limit: limits?.groups),
            meter("labels", "Labels", used: plan.labels, limit: limits?.labels),
        ]
        meters.append(["key": "api_calls", "label": "API calls", "used": ConsoleFormat.integer(report.apiCalls),
                       "note": "Calls made with your keys; cost \(ConsoleFormat.money(report.cost))"])
        var context: [String: Any] = [
            "month": Self.monthName(report.periodStart), "periodEnd": ConsoleFormat.time(report.periodEnd),
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
        if let limits { context["planName"] = limits.planName }
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

    private func meter(_ key: String, _ label: String, used: Int, limit: Int?) -> [String: Any] {
        var entry: [String: Any] = ["key": key, "label": label, "used": ConsoleFormat.integer(used)]
        if let limit {
            entry["limit"] = ConsoleFormat.integer(limit)
            var bar = ConsoleFormat.bar(used: Decimal(used), limit: Decimal(limit), label: "\(used) of \(limit) \(label.lowercased())")
            if used >= limit {
                bar["warning"] = "limit reached"
            } else if Decimal(used) >= Decimal(limit) * Decimal(string: "0.8")! {
                bar["warning"] = "close to the limit"
            }
            entry["bar"] = bar
        }
        return entry
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
