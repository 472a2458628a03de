/// A leased connection, valid inside `withConnection` / `withTransaction`. Each call hops to
/// the pool's threads for the blocking libpq work.
public struct PostgresSession: Sendable {
    let connection: PostgresConnection
    let pool: PostgresPool

    /// Runs a statement and returns its rows.
    @discardableResult
    public func query(_ query: PostgresQuery) async throws -> PostgresRows {
        let connection = self.connection
        return try await pool.run { try connection.execute(query) }
    }

    /// Runs a statement and returns the number of rows it affected.
    @discardableResult
    public func execute(_ query: PostgresQuery) async throws -> Int {
        try await self.query(query).affectedRows
    }

    /// Sends several implicit transactions in one round trip (libpq pipeline mode). Each inner
    /// array is one transaction, closed by its own sync point, so it commits on its own (a
    /// row lock taken in the first is released before the second runs) and a failure aborts
    /// only its own transaction. Returns, per transaction, one `PostgresRows` per statement or
    /// the error that aborted it. Only outside `withTransaction`.
    public func pipeline(_ transactions: [[PostgresQuery]]) async throws -> [Result<[PostgresRows], PostgresError>] {
        let connection = self.connection
        return try await pool.run { try connection.executePipeline(transactions) }
    }

    /// Runs a multi-statement SQL script with no parameters (migrations only).
    public func executeScript(_ sql: String) async throws {
        let connection = self.connection
        try await pool.run { try connection.executeScript(sql) }
    }
}
