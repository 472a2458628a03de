import Foundation

/// Text format of `timestamptz` and `date`. Connections run with `DateStyle=ISO` and
/// `TimeZone=UTC`, so the server writes `2026-04-26 10:00:00.123456+00`.
enum PostgresTimestamp {
    static func format(_ date: Date) -> String {
        let micros = Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
        var days = micros / 86_400_000_000
        var rest = micros % 86_400_000_000
        if rest < 0 { rest += 86_400_000_000; days -= 1 }
        let (year, month, day) = civil(fromDays: days)
        let seconds = rest / 1_000_000
        let fraction = rest % 1_000_000
        return String(
            format: "%04lld-%02lld-%02lld %02lld:%02lld:%02lld.%06lld+00",
            year, month, day, seconds / 3600, (seconds / 60) % 60, seconds % 60, fraction
        )
    }

    /// Parses `YYYY-MM-DD[ HH:MM:SS[.ffffff]][±HH[:MM[:SS]]]`. A bare date is midnight UTC.
    static func parse(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        var index = 0
        func number(_ count: Int) -> Int64? {
            guard index + count <= bytes.count else { return nil }
            var value: Int64 = 0
            for _ in 0..<count {
                let byte = bytes[index]
                guard byte >= 48, byte <= 57 else { return nil }
                value = value * 10 + Int64(byte - 48)
                index += 1
            }
            return value
        }
        func expect(_ character: UInt8) -> Bool {
            guard index < bytes.count, bytes[index] == character else { return false }
            index += 1
            return true
        }
        guard let year = number(4), expect(45), let month = number(2), expect(45), let day = number(2) else { return nil }
        var micros = days(fromYear: year, month: month, day: day) * 86_400_000_000
        if index == bytes.count { return Date(timeIntervalSince1970: Double(micros) / 1_000_000) }
        guard expect(32) || expect(84), let hour = number(2), expect(58), let minute = number(2), expect(58),
              let second = number(2) else { return nil }
        micros += ((hour * 60 + minute) * 60 + second) * 1_000_000
        if expect(46) {
            var digits = 0
            var fraction: Int64 = 0
            while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 {
                if digits < 6 { fraction = fraction * 10 + Int64(bytes[index] - 48); digits += 1 }
                index += 1
            }
            while digits < 6 { fraction *= 10; digits += 1 }
            micros += fraction
        }
        if index < bytes.count {
            let sign: Int64
            if expect(43) { sign = 1 } else if expect(45) { sign = -1 } else if expect(90) { sign = 0 } else { return nil }
            if sign != 0 {
                guard let offsetHours = number(2) else { return nil }
                var offset = offsetHours * 3600
                if expect(58), let offsetMinutes = number(2) { offset += offsetMinutes * 60 }
                if expect(58), let offsetSeconds = number(2) { offset += offsetSeconds }
                micros -= sign * offset * 1_000_000
            }
        }
        guard index == bytes.count else { return nil }
        return Date(timeIntervalSince1970: Double(micros) / 1_000_000)
    }

    // Howard Hinnant's days_from_civil / civil_from_days: exact, no calendar objects.
    static func days(fromYear year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civil(fromDays days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (month <= 2 ? yoe + era * 400 + 1 : yoe + era * 400, month, day)
    }
}
