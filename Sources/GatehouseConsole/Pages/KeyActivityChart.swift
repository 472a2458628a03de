import Foundation
import GatehouseStore

/// The daily chart of a key's calls (bars) and cost (a line), drawn as SVG on the server:
/// one slot per UTC day from `firstDay` to `lastDay`, days without calls at zero.
struct KeyActivityChart {
    static let width = 600.0
    static let height = 160.0
    static let top = 8.0

    var slots: [(day: String, count: Int, cost: Decimal)]

    init(days: [UsageSummary.ByDay], firstDay: Date, lastDay: Date) {
        let byDay = Dictionary(days.map { ($0.day, $0) }, uniquingKeysWith: { first, _ in first })
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = calendar.timeZone
        formatter.dateFormat = "yyyy-MM-dd"
        var slots: [(day: String, count: Int, cost: Decimal)] = []
        var day = calendar.startOfDay(for: firstDay)
        while day <= lastDay, slots.count < 400 {
            let name = formatter.string(from: day)
            slots.append((name, byDay[name]?.count ?? 0, byDay[name]?.cost ?? 0))
            day = calendar.date(byAdding: .day, value: 1, to: day)!
        }
        self.slots = slots
    }

    var context: [String: Any] {
        let maxCalls = max(1, slots.map(\.count).max() ?? 0)
        let maxCost = slots.map(\.cost).max() ?? 0
        let plot = Self.height - Self.top
        let slot = Self.width / Double(max(1, slots.count))
        var bars: [[String: Any]] = []
        var points: [String] = []
        for (index, entry) in slots.enumerated() {
            let h = plot * Double(entry.count) / Double(maxCalls)
            let x = Double(index) * slot
            bars.append(["x": Self.number(x + slot * 0.15), "y": Self.number(Self.height - h), "w": Self.number(slot * 0.7),
                         "h": Self.number(h), "day": entry.day, "count": entry.count, "cost": ConsoleFormat.money(entry.cost)])
            let costRatio = maxCost > 0 ? NSDecimalNumber(decimal: entry.cost / maxCost).doubleValue : 0
            points.append("\(Self.number(x + slot / 2)),\(Self.number(Self.height - plot * costRatio))")
        }
        return [
            "width": Self.number(Self.width), "height": Self.number(Self.height), "baseline": Self.number(Self.height),
            "bars": bars, "costPoints": points.joined(separator: " "),
            "maxCalls": ConsoleFormat.integer(slots.map(\.count).max() ?? 0), "maxCost": ConsoleFormat.money(maxCost),
            "hasDays": slots.contains { $0.count > 0 },
            "days": slots.reversed().filter { $0.count > 0 }.map { entry -> [String: Any] in
                ["day": entry.day, "count": entry.count, "cost": ConsoleFormat.money(entry.cost)]
            },
        ]
    }

    private static func number(_ value: Double) -> String {
        String(format: "%.1f", value)
    }
}
