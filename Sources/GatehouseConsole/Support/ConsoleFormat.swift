import Foundation
import GatehouseCore

/// How the console writes numbers, money, times and problems.
enum ConsoleFormat {
    static func money(_ amount: Decimal) -> String {
        // Six places as on the wire, trailing zeros beyond two dropped: 0.010000 → 0.01.
        var text = (Money(exactly: amount) ?? .zero).description
        while text.hasSuffix("0"), let dot = text.firstIndex(of: "."), text.distance(from: dot, to: text.endIndex) > 3 {
            text.removeLast()
        }
        return text
    }

    static func integer(_ value: Int) -> String {
        let formatter = NumberFormatter()
        formatter.numberStyle = .decimal
        formatter.locale = Locale(identifier: "en_US")
        return formatter.string(from: NSNumber(value: value)) ?? String(value)
    }

    private static let utc: TimeZone = TimeZone(identifier: "UTC")!

    /// `2026-11-28 14:05 UTC`.
    static func time(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = utc
        formatter.dateFormat = "yyyy-MM-dd HH:mm 'UTC'"
        return formatter.string(from: date)
    }

    /// `14:05:09` for the recent-calls table.
    static func clock(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = utc
        formatter.dateFormat = "MM-dd HH:mm:ss"
        return formatter.string(from: date)
    }

    static func rateLimit(_ rpm: Int) -> String {
        rpm == 0 ? "no cap" : "\(integer(rpm))/min"
    }

    static func periodName(_ period: String) -> String {
        switch period {
        case "day": "day"
        case "week": "week"
        case "forever": "lifetime"
        default: "month"
        }
    }

    /// The spend-period choices of a select, with `selected` marked.
    static func periodOptions(selected: String) -> [[String: Any]] {
        [("day", "Per day (UTC)"), ("week", "Per week (from Monday)"), ("month", "Per calendar month"), ("forever", "Lifetime")]
            .map { option -> [String: Any] in ["value": option.0, "label": option.1, "selected": option.0 == selected] }
    }

    /// A bar's context: percentage (0-100 drawn), level (amber from 80 %, red at 100 %).
    static func bar(used: Decimal, limit: Decimal, label: String) -> [String: Any] {
        let ratio = limit > 0 ? NSDecimalNumber(decimal: used / limit).doubleValue : (used > 0 ? 1 : 0)
        let pct = max(0, min(100, ratio * 100))
        let level = ratio >= 1 ? "over" : ratio >= 0.8 ? "warn" : "ok"
        return ["pct": String(format: "%.1f", pct), "level": level, "label": label,
                "pctText": String(format: "%.0f %%", ratio * 100)]
    }

    /// When a spend period that began at `start` ends (nil for `forever`).
    static func periodReset(period: String, start: Date) -> Date? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = utc
        return switch period {
        case "day": calendar.date(byAdding: .day, value: 1, to: start)
        case "week": calendar.date(byAdding: .day, value: 7, to: start)
        case "month": calendar.date(byAdding: .month, value: 1, to: start)
        default: nil
        }
    }

    /// A problem's words, and the fields it names with their messages.
    static func problem(_ error: GatehouseError) -> (summary: String, fields: [String: String]) {
        var fields: [String: String] = [:]
        for field in error.fieldErrors {
            // `allowed_numbers[2]` is shown beside `allowed_numbers`.
            let name = field.field.split(separator: "[").first.map(String.init) ?? field.field
            fields[name] = sentence(field.message, field: field.field)
        }
        let summary: String = switch error.code {
        case .validationFailed: fields.isEmpty ? error.detail : "Please correct the marked field\(fields.count > 1 ? "s" : "")."
        default: error.detail
        }
        return (summary, fields)
    }

    /// `must be 1 to 64 characters` → `Must be 1 to 64 characters.`
    private static func sentence(_ message: String, field: String) -> String {
        var text = message
        if let index = field.firstIndex(of: "["), let entry = Int(field[index...].dropFirst().dropLast()) {
            text = "line \(entry + 1) " + text
        }
        guard let first = text.first else { return text }
        return first.uppercased() + text.dropFirst() + (text.hasSuffix(".") ? "" : ".")
    }
}
