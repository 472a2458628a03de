import Foundation

/// One value in an audit event's `changes`: small, plain JSON. There is deliberately no case
/// for arbitrary data, so a secret or a customer's blob cannot slip in by accident.
public enum AuditValue: Sendable, Equatable, Encodable {
    case string(String)
    case int(Int)
    case bool(Bool)
    case money(Money)
    case strings([String])
    case null

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let value): try container.encode(value)
        case .int(let value): try container.encode(value)
        case .bool(let value): try container.encode(value)
        case .money(let value): try container.encode(value)
        case .strings(let value): try container.encode(value)
        case .null: try container.encodeNil()
        }
    }
}

extension AuditValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
}

extension AuditValue {
    /// `.null` for nil, else the wrapped value.
    public static func optional(_ value: String?) -> AuditValue { value.map(AuditValue.string) ?? .null }
    public static func optional(_ value: Int?) -> AuditValue { value.map(AuditValue.int) ?? .null }
    public static func optional(_ value: Money?) -> AuditValue { value.map(AuditValue.money) ?? .null }
    /// How many of a list's entries an event keeps: `changes` stays small (the table caps it at
    /// 8 KB), so a long list is recorded as its first entries plus a count (see `listed`).
    public static let listSample = 20

    /// `name: first entries` and `name_count: how many`, for a list that may be long.
    public static func listed(_ name: String, _ values: [String]) -> [String: AuditValue] {
        [name: .strings(Array(values.prefix(listSample))), name + "_count": .int(values.count)]
    }

    /// A decimal amount as money (6 places); `.null` for nil.
    public static func amount(_ value: Decimal?) -> AuditValue {
        guard let value else { return .null }
        return Money(exactly: value).map(AuditValue.money) ?? .string("\(value)")
    }
}
