import Foundation

/// A Swift value that can be read from a column in Postgres' text format.
public protocol PostgresDecodable: Sendable {
    /// Decodes from the column's text; `nil` is SQL NULL.
    static func decode(postgresText: String?) throws -> Self
}

/// Most types refuse NULL and parse non-NULL text; `Optional` accepts NULL.
protocol PostgresNonNullDecodable: PostgresDecodable {
    static func decode(nonNull text: String) -> Self?
}

extension PostgresNonNullDecodable {
    public static func decode(postgresText: String?) throws -> Self {
        guard let postgresText else { throw PostgresError.decoding("unexpected NULL for \(Self.self)") }
        guard let value = decode(nonNull: postgresText) else {
            throw PostgresError.decoding("cannot decode \(Self.self) from '\(postgresText.prefix(64))'")
        }
        return value
    }
}

extension String: PostgresNonNullDecodable {
    static func decode(nonNull text: String) -> String? { text }
}

extension Int: PostgresNonNullDecodable {
    static func decode(nonNull text: String) -> Int? { Int(text) }
}

extension Int64: PostgresNonNullDecodable {
    static func decode(nonNull text: String) -> Int64? { Int64(text) }
}

extension Int32: PostgresNonNullDecodable {
    static func decode(nonNull text: String) -> Int32? { Int32(text) }
}

extension Bool: PostgresNonNullDecodable {
    static func decode(nonNull text: String) -> Bool? {
        switch text {
        case "t", "true": true
        case "f", "false": false
        default: nil
        }
    }
}

extension UUID: PostgresNonNullDecodable {
    static func decode(nonNull text: String) -> UUID? { UUID(uuidString: text) }
}

extension Decimal: PostgresNonNullDecodable {
    // Decimal(string:) reads base-10 digits exactly; numeric never passes through Double.
    // One POSIX locale for every value: building a Locale per decimal showed in profiles.
    private static let posix = Locale(identifier: "en_US_POSIX")

    static func decode(nonNull text: String) -> Decimal? {
        Decimal(string: text, locale: posix)
    }
}

extension Date: PostgresNonNullDecodable {
    static func decode(nonNull text: String) -> Date? { PostgresTimestamp.parse(text) }
}

extension Data: PostgresNonNullDecodable {
    static func decode(nonNull text: String) -> Data? { PostgresBytea.parse(text) }
}

extension Array: PostgresDecodable where Element == String {
    public static func decode(postgresText: String?) throws -> [String] {
        guard let postgresText else { throw PostgresError.decoding("unexpected NULL for text[]") }
        guard let values = PostgresArrayLiteral.parse(postgresText) else {
            throw PostgresError.decoding("cannot decode text[] from '\(postgresText.prefix(64))'")
        }
        return values
    }
}

extension Optional: PostgresDecodable where Wrapped: PostgresDecodable {
    public static func decode(postgresText: String?) throws -> Wrapped? {
        guard let postgresText else { return nil }
        return try Wrapped.decode(postgresText: postgresText)
    }
}
