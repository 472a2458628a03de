import Foundation

/// The input rules of self-service API keys, shared by the JSON API and the console: each
/// failure is a `validation_failed` naming the API's field.
public enum APIKeyRules {
    public static let spendPeriods = ["day", "week", "month", "forever"]
    public static let defaultRateLimitRPM = 60
    public static let expiryDays = 1...3650
    public static let graceSeconds = 0...604_800

    /// A trimmed name of 1-64 characters.
    public static func name(_ name: String) throws -> String {
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        try TextLength.check(trimmed, field: "name", scalars: 1...64)
        return trimmed
    }

    public static func rateLimit(_ rpm: Int) throws -> Int {
        guard (0...1_000_000).contains(rpm) else {
            throw GatehouseError.validation("rate_limit_rpm", "must be between 0 (no cap) and 1000000")
        }
        return rpm
    }

    /// The largest spend cap: far below what `numeric(20,6)` holds.
    public static let maxSpendLimit = Decimal(1_000_000_000_000)

    public static func spendLimit(_ money: Money) throws -> Decimal {
        guard money.amount >= 0, money.amount <= maxSpendLimit else {
            throw GatehouseError.validation("spend_limit", "must be between 0 and \(Money(exactly: maxSpendLimit)!)")
        }
        return money.amount
    }

    public static func spendPeriod(_ period: String) throws -> String {
        guard spendPeriods.contains(period) else {
            throw GatehouseError.validation("spend_period", "must be one of day, week, month, forever")
        }
        return period
    }

    public static func expiresInDays(_ days: Int) throws -> Int {
        guard expiryDays.contains(days) else { throw GatehouseError.validation("expires_in_days", "must be between 1 and 3650") }
        return days
    }

    public static func grace(_ seconds: Int) throws -> Int {
        guard graceSeconds.contains(seconds) else {
            throw GatehouseError.validation("grace_seconds", "must be between 0 and 604800")
        }
        return seconds
    }

    /// `requested`, sorted and without repeats, if every scope is known and in `held` (a key
    /// never gets more than the one who creates it).
    public static func grantable(_ requested: [String], held: Set<Scope>) throws -> [String] {
        var result: [String] = []
        for name in requested where !result.contains(name) {
            guard let scope = Scope(rawValue: name) else {
                throw GatehouseError.validation("scopes", "unknown scope: \(name)")
            }
            guard held.contains(scope) else {
                throw GatehouseError.validation("scopes", "you cannot grant a scope you do not hold: \(name)")
            }
            result.append(name)
        }
        return result.sorted()
    }
}
