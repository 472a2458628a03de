import Foundation
import GatehouseCore
import GatehouseStore

/// The tenant's usage (`usage:read`) and the meters its own services report (`usage:write`),
/// all from the rollups (see `UsageReportRepository`). Months and days are UTC.
extension GatehouseService {
    /// GET /api/v2/usage/current
    func usageCurrent(_ input: Operations.UsageCurrent.Input) async throws -> Operations.UsageCurrent.Output {
        let report = try await usage.current(tenantID: try Self.currentTenant(), now: keys.clock())
        return .ok(.init(body: .json(.init(
            periodStart: report.periodStart, periodEnd: report.periodEnd, apiCalls: report.apiCalls,
            messagesSent: report.messagesSent, messagesReceived: report.messagesReceived, sessions: report.sessions,
            cost: APIKeyAuthenticator.money(report.cost), aiReplies: report.aiReplies,
            bySession: report.bySession.map {
                .init(sessionId: $0.sessionID.uuidString.lowercased(), name: $0.name, messagesSent: $0.messagesSent)
            }))))
    }

    /// GET /api/v2/usage/history
    func usageHistory(_ input: Operations.UsageHistory.Input) async throws -> Operations.UsageHistory.Output {
        let months = input.query.months ?? 12
        guard (1...36).contains(months) else { throw GatehouseError.validation("months", "must be between 1 and 36") }
        let items = try await usage.history(tenantID: try Self.currentTenant(), now: keys.clock(), months: months)
        return .ok(.init(body: .json(.init(items: items.map {
            .init(month: $0.month, apiCalls: $0.apiCalls, messagesSent: $0.messagesSent, cost: APIKeyAuthenticator.money($0.cost))
        }))))
    }

    /// GET /api/v2/usage/daily
    func usageDaily(_ input: Operations.UsageDaily.Input) async throws -> Operations.UsageDaily.Output {
        let monthStart: Date
        if let month = input.query.month {
            guard let start = Self.monthStart(month) else {
                throw GatehouseError.validation("month", "must be a month as YYYY-MM")
            }
            monthStart = start
        } else {
            monthStart = keys.clock()
        }
        let days = try await usage.daily(tenantID: try Self.currentTenant(), monthStart: monthStart)
        return .ok(.init(body: .json(.init(items: days.map { day in
            .init(day: day.day, apiCalls: day.apiCalls, messagesSent: day.messagesSent,
                  cost: APIKeyAuthenticator.money(day.cost),
                  bySession: day.bySession.map { .init(sessionId: $0.sessionID.uuidString.lowercased(), messagesSent: $0.messagesSent) })
        }))))
    }

    /// POST /api/v2/usage/events
    func usageRecordEvent(_ input: Operations.UsageRecordEvent.Input) async throws -> Operations.UsageRecordEvent.Output {
        let tenantID = try Self.currentTenant()
        guard case .json(let body) = input.body else { throw GatehouseError.invalidRequest("Send a JSON body.") }
        guard (0...Self.maxMeterQuantity).contains(body.quantity) else {
            throw GatehouseError.validation("quantity", "must be between 0 and \(Self.maxMeterQuantity)")
        }
        let now = keys.clock()
        let at = body.at ?? now
        guard at <= now.addingTimeInterval(300) else {
            throw GatehouseError.validation("at", "must not be more than 5 minutes in the future")
        }
        guard let meter = UsageMeter(rawValue: body.meter.rawValue) else {
            throw GatehouseError.validation("meter", "must be ai_replies, groups or labels")
        }
        let id = try await usage.record(tenantID: tenantID, meter: meter, quantity: body.quantity, at: at)
        return .created(.init(body: .json(.init(
            id: id.uuidString.lowercased(), meter: body.meter, quantity: body.quantity, at: at))))
    }

    /// The largest quantity one event may report.
    static let maxMeterQuantity = 1_000_000_000

    /// `YYYY-MM` → the first instant of that UTC month.
    static func monthStart(_ text: String) -> Date? {
        guard let match = text.wholeMatch(of: /([0-9]{4})-([0-9]{2})/), let year = Int(match.1), let month = Int(match.2),
              (1...12).contains(month), year >= 1970
        else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar.date(from: DateComponents(year: year, month: month, day: 1))
    }
}
