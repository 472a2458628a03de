import Foundation

/// A Swift value that can be bound as a query parameter, in Postgres' text format.
public protocol PostgresEncodable: Sendable {
    static var postgresDataType: PostgresDataType { get }
    /// The text form of the value; `nil` binds SQL NULL.
    var postgresText: String? { get }
}

extension String: PostgresEncodable {
    public static var postgresDataType: PostgresDataType { .text }
    public var postgresText: String? { self }
}

extension Int: PostgresEncodable {
    public static var postgresDataType: PostgresDataType { .int8 }
    public var postgresText: String? { String(self) }
}

extension Int64: PostgresEncodable {
    public static var postgresDataType: PostgresDataType { .int8 }
    public var postgresText: String? { String(self) }
}

extension Int32: PostgresEncodable {
    public static var postgresDataType: PostgresDataType { .int4 }
    public var postgresText: String? { String(self) }
}

extension Bool: PostgresEncodable {
    public static var postgresDataType: PostgresDataType { .bool }
    public var postgresText: String? { self ? "t" : "f" }
}

extension UUID: PostgresEncodable {
    public static var postgresDataType: PostgresDataType { .uuid }
    public var postgresText: String? { uuidString.lowercased() }
}

extension Decimal: PostgresEncodable {
    public static var postgresDataType: PostgresDataType { .numeric }
    // Decimal's description is its exact base-10 digits: no floating point on the way.
    public var postgresText: String? { description }
}

extension Date: PostgresEncodable {
    public static var postgresDataType: PostgresDataType { .timestamptz }
    public var postgresText: String? { PostgresTimestamp.format(self) }
}

extension Data: PostgresEncodable {
    public static var postgresDataType: PostgresDataType { .bytea }
    public var postgresText: String? { PostgresBytea.format(self) }
}

extension Array: PostgresEncodable where Element == String {
    public static var postgresDataType: PostgresDataType { .textArray }
    public var postgresText: String? { PostgresArrayLiteral.format(self) }
}

extension Optional: PostgresEncodable where Wrapped: PostgresEncodable {
    public static var postgresDataType: PostgresDataType { Wrapped.postgresDataType }
    public var postgresText: String? {
        switch self {
        case .some(let value): value.postgresText
        case .none: nil
        }
    }
}

/// A `jsonb` parameter or column, carried as its JSON text.
public struct PostgresJSON: PostgresEncodable, PostgresDecodable, Hashable {
    public let text: String
    public init(text: String) { self.text = text }
    public init<T: Encodable>(encoding value: T) throws {
        self.text = String(decoding: try JSONEncoder().encode(value), as: UTF8.self)
    }
    public static var postgresDataType: PostgresDataType { .jsonb }
    public var postgresText: String? { text }
    public static func decode(postgresText: String?) throws -> Self {
        guard let postgresText else { throw PostgresError.decoding("unexpected NULL for jsonb") }
        return Self(text: postgresText)
    }
}
