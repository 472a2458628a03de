import Foundation
import GatehouseCore
import Postgres

extension PostgresRow {
    /// A `jsonb` column holding a string map (Stripe's `metadata`).
    func metadata(_ column: String) throws -> [String: String] {
        let json = try decode(column, as: PostgresJSON.self)
        guard case .object(let members) = try JSONValue.parse(Array(json.text.utf8)) else { return [:] }
        return members.compactMapValues(\.stringValue)
    }
}

extension PostgresJSON {
    /// A string map as `jsonb`.
    init(metadata: [String: String]) {
        self.init(text: JSONValue.object(metadata.mapValues(JSONValue.string)).jsonString())
    }
}

extension JSONValue {
    /// A string map as a JSON object (Stripe's `metadata`).
    static func metadata(_ dictionary: [String: String]) -> JSONValue {
        .object(dictionary.mapValues(JSONValue.string))
    }

    /// Stripe's list envelope.
    static func list(_ data: [JSONValue], url: String, hasMore: Bool = false) -> JSONValue {
        ["object": "list", "data": .array(data), "has_more": .bool(hasMore), "url": .string(url)]
    }
}

/// Calendar arithmetic of billing periods, in UTC as Stripe bills.
enum BillingPeriod {
    private static let calendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()

    /// `anchor` moved by `count` intervals (`month` or `year`); month ends clamp (Jan 31 → Feb 28).
    static func advance(_ anchor: Int64, interval: String, count: Int) -> Int64 {
        let date = Date(timeIntervalSince1970: TimeInterval(anchor))
        let component: Calendar.Component = interval == "year" ? .year : .month
        let moved = calendar.date(byAdding: component, value: count, to: date) ?? date
        return Int64(moved.timeIntervalSince1970)
    }

    /// The end of the period that starts at `start`, counting whole intervals from `anchor`
    /// (so that a Jan 31 anchor gives Feb 28 then Mar 31, not Mar 28).
    static func end(after start: Int64, anchor: Int64, interval: String) -> Int64 {
        var count = 1
        while true {
            let end = advance(anchor, interval: interval, count: count)
            if end > start || count > 100_000 { return end }
            count += 1
        }
    }
}
