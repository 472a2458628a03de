import Postgres

extension PostgresQuery.StringInterpolation {
    /// Binds an optional value (`nil` is SQL NULL), exactly as the generic interpolation does,
    /// without the compiler's "debug description for an optional value" warning.
    mutating func appendInterpolation<Value: PostgresEncodable>(_ value: Value?) {
        Self.bind(value, into: &self)
    }

    /// Generic over `Bound`, so the call below resolves to the library's `appendInterpolation`,
    /// never back to the optional overload above.
    private static func bind<Bound: PostgresEncodable>(_ value: Bound, into interpolation: inout Self) {
        interpolation.appendInterpolation(value)
    }
}
