import Foundation
import GatehouseCore
import GatehouseServices
import GatehouseStore

/// A key's activity surface: stat cards, spend-period progress, the daily chart, breakdowns,
/// recent calls, and the limits editor.
extension Console {
    func keyDetailPage(_ call: ConsoleCall, id: String) async throws -> ConsoleResponse {
        let user = try require("apiKeysUsage", call)
        let record = try await key(id, of: user)
        let notice: String? = call.query["done"] == "limits" ? "Limits saved." : nil
        return .page(try await keyDetail(call, user: user, record: record, notice: notice))
    }

    func recentCallsFragment(_ call: ConsoleCall, id: String) async throws -> ConsoleResponse {
        let user = try require("apiKeysRecent", call)
        let record = try await key(id, of: user)
        return .page(templates.fragment("recentCalls", try await recentContext(user: user, record: record)))
    }

    func updateLimits(_ call: ConsoleCall, id: String) async throws -> ConsoleResponse {
        let user = try require("apiKeysUpdate", call)
        let record = try await key(id, of: user)
        do {
            var changes = APIKeyChanges()
            var audited: [String: AuditValue] = [:]
            let rpm = try APIKeyRules.rateLimit(try Self.optionalInteger(call.form, "rate_limit_rpm") ?? record.rateLimitRPM)
            if rpm != record.rateLimitRPM {
                changes.rateLimitRPM = rpm
                audited["rate_limit_rpm"] = .int(rpm)
            }
            let cap = try Self.optionalMoney(call.form, "spend_limit")
            let spendLimit = try cap.map(APIKeyRules.spendLimit)
            if spendLimit != record.spendLimit {
                changes.spendLimit = .some(spendLimit)
                audited["spend_limit"] = .optional(cap)
            }
            let period = try APIKeyRules.spendPeriod(call.form.text("spend_period") ?? record.spendPeriod)
            if period != record.spendPeriod {
                changes.spendPeriod = period
                audited["spend_period"] = .string(period)
            }
            guard try await keys.update(tenantID: user.tenantID, id: record.id, changes, audited: audited,
                                        policy: try keyPolicy(user), actor: auditActor(call)) != nil else {
                throw GatehouseError.notFound("API key")
            }
            return .redirect("/console/keys/\(record.id.uuidString.lowercased())?done=limits")
        } catch let error as GatehouseError where error.code == .validationFailed {
            let (summary, fields) = ConsoleFormat.problem(error)
            return .page(try await keyDetail(call, user: user, record: record, problem: summary, errors: fields, form: call.form),
                         status: 422)
        }
    }

    // MARK: - Building the page

    func keyDetail(_ call: ConsoleCall, user: UserRecord, record: APIKeyRecord, notice: String? = nil,
                           problem: String? = nil, errors: [String: String] = [:], form: FormFields? = nil) async throws -> String {
        let now = keys.clock()
        let status = Self.status(of: record, now: now)
        // Recent calls first: the usage writer may land a batch meanwhile, and the totals read
        // after them then include every call the table shows.
        let recent = try await recentContext(user: user, record: record)
        var summaries: [UsageWindow: UsageSummary] = [:]
        for window in UsageWindow.allCases {
            summaries[window] = try await usage.summary(
                tenantID: user.tenantID, keyID: record.id, sinceDay: window.queryDay(now: now, keyCreatedAt: record.createdAt))
        }
        let month = summaries[.month]!
        let labels: [UsageWindow: String] = [.day: "Today and yesterday", .week: "Last 7 days", .month: "Last 30 days", .all: "All time"]
        let stats = UsageWindow.allCases.map { window -> [String: Any] in
            let summary = summaries[window]!
            return ["window": window.rawValue, "label": labels[window]!, "calls": ConsoleFormat.integer(summary.totalCalls),
                    "cost": ConsoleFormat.money(summary.totalCost), "tokensIn": ConsoleFormat.integer(summary.totalTokensIn),
                    "tokensOut": ConsoleFormat.integer(summary.totalTokensOut)]
        }

        var context: [String: Any] = [
            "key": [
                "id": record.id.uuidString.lowercased(), "name": record.name, "prefix": record.keyPrefix,
                "status": status.text, "statusClass": status.cssClass, "scopes": record.scopes,
                "createdAt": ConsoleFormat.time(record.createdAt), "expiresAt": record.expiresAt.map(ConsoleFormat.time) ?? false,
                "lastUsed": record.lastUsedAt.map(ConsoleFormat.time) ?? "never",
                "revoked": record.revokedAt != nil,
            ] as [String: Any],
            "stats": stats,
            "period": periodContext(record),
            "chart": KeyActivityChart(days: month.byDay, firstDay: UsageWindow.month.firstDay(now: now, keyCreatedAt: record.createdAt),
                                      lastDay: now).context,
            "byEndpoint": month.byEndpoint.map { ["endpoint": $0.endpoint, "count": ConsoleFormat.integer($0.count), "cost": ConsoleFormat.money($0.cost)] },
            "hasEndpoints": !month.byEndpoint.isEmpty,
            "byModel": month.byModel.map {
                ["model": $0.model, "count": ConsoleFormat.integer($0.count), "tokensIn": ConsoleFormat.integer($0.tokensIn),
                 "tokensOut": ConsoleFormat.integer($0.tokensOut), "cost": ConsoleFormat.money($0.cost)]
            },
            "hasModels": !month.byModel.isEmpty,
            "limits": [
                "rate_limit_rpm": form?["rate_limit_rpm"] ?? String(record.rateLimitRPM),
                "spend_limit": form?["spend_limit"] ?? record.spendLimit.map(ConsoleFormat.money) ?? "",
            ],
            "periods": ConsoleFormat.periodOptions(selected: form?["spend_period"] ?? record.spendPeriod),
            "errors": errors,
        ]
        for (name, value) in recent { context[name] = value }
        return templates.page("keyDetail", title: record.name, call: call, section: .keys, notice: notice, problem: problem, context)
    }

    private func periodContext(_ record: APIKeyRecord) -> [String: Any] {
        let used = ConsoleFormat.money(record.spendPeriodUsed)
        var context: [String: Any] = ["name": ConsoleFormat.periodName(record.spendPeriod), "used": used]
        if let reset = ConsoleFormat.periodReset(period: record.spendPeriod, start: record.spendPeriodStart) {
            context["reset"] = ConsoleFormat.time(reset)
        }
        if let limit = record.spendLimit {
            let bar = ConsoleFormat.bar(used: record.spendPeriodUsed, limit: limit, label: "\(used) of \(ConsoleFormat.money(limit)) spent")
            for (name, value) in bar { context[name] = value }
            context["hasLimit"] = true
            context["limit"] = ConsoleFormat.money(limit)
        }
        return context
    }

    private func recentContext(user: UserRecord, record: APIKeyRecord) async throws -> [String: Any] {
        let calls = try await usage.recent(tenantID: user.tenantID, keyID: record.id, limit: 20)
        return [
            "hasRecent": !calls.isEmpty,
            "recent": calls.map { call -> [String: Any] in
                ["time": ConsoleFormat.clock(call.createdAt), "endpoint": call.endpoint, "status": call.statusCode,
                 "statusClass": "s\(call.statusCode / 100)", "duration": "\(call.durationMilliseconds) ms",
                 "cost": ConsoleFormat.money(call.cost), "model": call.model ?? "—"]
            },
        ]
    }
}
