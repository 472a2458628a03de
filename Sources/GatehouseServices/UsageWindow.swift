import Foundation

/// The windows a key's usage is reported over. The rollups are per UTC day, so a window covers
/// whole days, from the day it starts in.
public enum UsageWindow: String, Sendable, CaseIterable {
    case day, week, month, all

    /// The first UTC day shown for the window (`all`: the key's creation day).
    public func firstDay(now: Date, keyCreatedAt: Date) -> Date {
        let start: Date = switch self {
        case .day: now.addingTimeInterval(-86_400)
        case .week: now.addingTimeInterval(-7 * 86_400)
        case .month: now.addingTimeInterval(-30 * 86_400)
        case .all: keyCreatedAt
        }
        return Self.startOfUTCDay(start)
    }

    /// The first day to query: `all` is everything the key ever did, whatever the clock says
    /// about its creation.
    public func queryDay(now: Date, keyCreatedAt: Date) -> Date {
        self == .all ? Date(timeIntervalSince1970: 0) : firstDay(now: now, keyCreatedAt: keyCreatedAt)
    }

    public static func startOfUTCDay(_ date: Date) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar.startOfDay(for: date)
    }
}
