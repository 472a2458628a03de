/// A SQL statement with bound parameters. String interpolation binds values as `$1, $2, …`,
/// so a value can never become SQL:
///
///     let query: PostgresQuery = "SELECT name FROM users WHERE id = \(userID)"
///
/// The only way to splice text into the SQL is the explicit `\(unescaped: identifier)` hatch,
/// meant for compile-time identifiers; grep for `unescaped:` when auditing.
public struct PostgresQuery: Sendable, ExpressibleByStringInterpolation {
    public private(set) var sql: String
    public private(set) var binds: [PostgresBind]

    public init(unsafeSQL sql: String, binds: [PostgresBind] = []) {
        self.sql = sql
        self.binds = binds
    }

    public init(stringLiteral value: String) {
        self.init(unsafeSQL: value)
    }

    public init(stringInterpolation: StringInterpolation) {
        self.init(unsafeSQL: stringInterpolation.sql, binds: stringInterpolation.binds)
    }

    public struct StringInterpolation: StringInterpolationProtocol {
        var sql = ""
        var binds: [PostgresBind] = []

        public init(literalCapacity: Int, interpolationCount: Int) {
            sql.reserveCapacity(literalCapacity + interpolationCount * 3)
            binds.reserveCapacity(interpolationCount)
        }

        public mutating func appendLiteral(_ literal: String) {
            sql += literal
        }

        public mutating func appendInterpolation<Value: PostgresEncodable>(_ value: Value) {
            binds.append(PostgresBind(value))
            sql += "$\(binds.count)"
        }

        /// Splices raw SQL text. Only for identifiers or fragments fixed at compile time.
        public mutating func appendInterpolation(unescaped fragment: String) {
            sql += fragment
        }
    }
}

/// One bound parameter: its type OID and its text form (`nil` is NULL).
public struct PostgresBind: Sendable {
    public let dataType: PostgresDataType
    public let text: String?

    public init<Value: PostgresEncodable>(_ value: Value) {
        self.dataType = Value.postgresDataType
        self.text = value.postgresText
    }
}

extension PostgresBind {
    /// libpq passes parameters as C strings, which end at the first NUL: a value holding one
    /// would reach the server cut short. Postgres `text` cannot store U+0000 anyway, so such a
    /// value is refused here, before anything is sent.
    static func checkStorable(_ binds: [PostgresBind]) throws {
        for (index, bind) in binds.enumerated() where bind.text?.utf8.contains(0) == true {
            throw PostgresError.invalidParameter(
                "parameter $\(index + 1) contains a NUL character (U+0000), which PostgreSQL text cannot store")
        }
    }
}
