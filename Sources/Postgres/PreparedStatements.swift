import CLibPQ

/// The statements one connection has prepared, keyed by SQL text. Server-side prepared
/// statements belong to the backend that prepared them, so each `PostgresConnection` owns one
/// of these, and a replaced connection starts empty and prepares again on first use.
///
/// Bounded: SQL text comes from the code (values are always bound), so the set of statements
/// is small; past `capacity` a statement simply runs unnamed (parsed and planned each time)
/// rather than growing the backend's memory without end.
struct PreparedStatements {
    struct Statement {
        let name: String
        /// The parameter types it was prepared with; a call binding other types runs unnamed.
        let types: [Oid]
    }

    static let capacity = 512
    private var statements: [String: Statement] = [:]
    private var nextNumber = 0

    /// The statement prepared for `sql`, if it was prepared with these parameter types.
    func statement(for sql: String, types: [Oid]) -> Statement? {
        guard let statement = statements[sql], statement.types == types else { return nil }
        return statement
    }

    /// Whether `sql` has no statement yet and there is room for one.
    func canPrepare(_ sql: String) -> Bool {
        statements[sql] == nil && statements.count < Self.capacity
    }

    /// A fresh name for a statement about to be prepared (`gh_1`, `gh_2`, … per connection).
    mutating func nextName() -> String {
        nextNumber += 1
        return "gh_\(nextNumber)"
    }

    mutating func remember(_ sql: String, _ statement: Statement) {
        statements[sql] = statement
    }

    /// Forgets one statement (the server no longer has it, or its cached plan went stale).
    mutating func forget(_ sql: String) {
        statements[sql] = nil
    }
}
