import Foundation

/// An amount of money or credit, exact to 6 decimal places. On the wire it is a decimal string
/// with 6 places (`"12.345678"`); a request may send a JSON number, which is read from its
/// digits exactly (never through `Double`) or refused when it has more than 6 places.
public struct Money: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public let amount: Decimal

    public static let zero = Money(exactly: 0)!
    public static let scale = 6

    /// Fails when `amount` needs more than 6 decimal places or is not finite.
    public init?(exactly amount: Decimal) {
        guard amount.isFinite else { return nil }
        var scaled = amount * Decimal(sign: .plus, exponent: Money.scale, significand: 1)
        var rounded = Decimal()
        NSDecimalRound(&rounded, &scaled, 0, .plain)
        guard rounded == scaled else { return nil }
        self.amount = amount
    }

    /// Parses a plain decimal string (`"12"`, `"0.5"`, `"-1.000001"`); no exponents, no spaces.
    public init?(string: String) {
        let pattern = /^-?[0-9]{1,14}(\.[0-9]{1,6})?$/
        guard string.wholeMatch(of: pattern) != nil,
              let decimal = Decimal(string: string, locale: Locale(identifier: "en_US_POSIX")) else { return nil }
        self.init(exactly: decimal)
    }

    /// The wire form: always 6 places.
    public var description: String {
        let negative = amount < 0
        var scaled = (negative ? -amount : amount) * Decimal(sign: .plus, exponent: Money.scale, significand: 1)
        var rounded = Decimal()
        NSDecimalRound(&rounded, &scaled, 0, .plain)
        var digits = NSDecimalNumber(decimal: rounded).stringValue
        while digits.count <= Money.scale { digits = "0" + digits }
        let split = digits.index(digits.endIndex, offsetBy: -Money.scale)
        return (negative ? "-" : "") + digits[..<split] + "." + digits[split...]
    }

    public static func < (lhs: Money, rhs: Money) -> Bool { lhs.amount < rhs.amount }
    public static func + (lhs: Money, rhs: Money) -> Money { Money(unchecked: lhs.amount + rhs.amount) }

    private init(unchecked amount: Decimal) { self.amount = amount }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let text = try? container.decode(String.self) {
            guard let money = Money(string: text) else {
                throw DecodingError.dataCorruptedError(
                    in: container, debugDescription: "must be a decimal with at most 6 places, e.g. \"12.500000\"")
            }
            self = money
            return
        }
        // Foundation's JSONDecoder reads a Decimal from the number's own digits, not via Double.
        let decimal = try container.decode(Decimal.self)
        guard let money = Money(exactly: decimal), decimal.magnitude < Decimal(string: "100000000000000")! else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "must be a decimal with at most 6 places")
        }
        self = money
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
