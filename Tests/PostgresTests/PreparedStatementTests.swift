import Foundation
import GatehouseTestSupport
import Postgres
import Testing

/// Statements are prepared once per connection, keyed by SQL text, and the cache never outlives
/// what the server actually holds: a replaced connection, a `DEALLOCATE ALL` or a switched-off
/// setting all still give the right rows.
@Suite("Prepared statements: cached per connection, surviving reconnects")
struct PreparedStatementTests {
    static let probe: PostgresQuery = "SELECT \(Int32(41)) + 1 AS answer, pg_backend_pid() AS pid"

    /// Runs the probe and returns (answer, backend pid, statements the backend holds for it).
    static func runProbe(_ session: PostgresSession) async throws -> (answer: Int, pid: Int, prepared: Int) {
        let row = try await session.query(Self.probe).first!
        let held = try await session.query("""
            SELECT count(*)::int AS n FROM pg_prepared_statements WHERE statement = \(Self.probe.sql)
            """).first!
        return (try row.decode("answer"), try row.decode("pid"), try held.decode("n"))
    }

    @Test func aStatementIsPreparedOnceAndReused() async throws {
        let pool = try await TestDatabase.appPool(maxConnections: 1)
        defer { Task { await pool.shutdown() } }
        for _ in 0..<3 {
            let run = try await pool.withConnection { try await Self.runProbe($0) }
            #expect(run.answer == 42)
            #expect(run.prepared == 1, "one server-side statement for one SQL text, however often it runs")
        }
    }

    @Test func preparedStatementsSurviveAConnectionBeingReplaced() async throws {
        let pool = try await TestDatabase.appPool(maxConnections: 1)
        defer { Task { await pool.shutdown() } }
        let first = try await pool.withConnection { try await Self.runProbe($0) }
        #expect(first.prepared == 1)
        _ = try await TestDatabase.asAdmin("SELECT pg_terminate_backend(\(Int32(first.pid)))")
        // The dead connection is noticed at BEGIN and replaced; the new backend holds nothing
        // yet, so the statement is prepared again there rather than executed by a stale name.
        let second = try await pool.withTransaction { try await Self.runProbe($0) }
        #expect(second.pid != first.pid)
        #expect(second.answer == 42)
        #expect(second.prepared == 1)
        let third = try await pool.withConnection { try await Self.runProbe($0) }
        #expect(third.pid == second.pid)
        #expect(third.answer == 42)
    }

    @Test func aStatementTheServerDroppedIsPreparedAgain() async throws {
        let pool = try await TestDatabase.appPool(maxConnections: 1)
        defer { Task { await pool.shutdown() } }
        try await pool.withConnection { session in
            #expect(try await Self.runProbe(session).answer == 42)
            // What a pooler's DISCARD ALL does: the server forgets every prepared statement.
            try await session.executeScript("DEALLOCATE ALL")
            let again = try await Self.runProbe(session)
            #expect(again.answer == 42)
            #expect(again.prepared == 1)
        }
    }

    @Test func aStatementWhoseResultTypeChangedIsPreparedAgain() async throws {
        let pool = try await TestDatabase.ownerPool(maxConnections: 1)
        defer { Task { await pool.shutdown() } }
        let table = "prepared_probe_" + UUID().uuidString.prefix(8).lowercased()
        try await pool.withConnection { session in
            try await session.executeScript("CREATE TABLE \(table) (v int); INSERT INTO \(table) VALUES (1)")
            let query: PostgresQuery = "SELECT * FROM \(unescaped: table) WHERE \(true)"
            #expect(try await session.query(query).first!.decode("v", as: Int.self) == 1)
            // A migration adds a column: the cached plan's result type no longer matches.
            try await session.executeScript("ALTER TABLE \(table) ADD COLUMN w text DEFAULT 'x'")
            let row = try await session.query(query).first!
            #expect(try row.decode("w", as: String.self) == "x")
            try await session.executeScript("DROP TABLE \(table)")
        }
    }

    @Test func turnedOffNothingIsPrepared() async throws {
        try await TestDatabase.migrate()
        let configuration = try PostgresConfiguration(
            url: try TestDatabase.appURL, maxConnections: 1, usesPreparedStatements: false)
        let pool = PostgresPool(configuration: configuration, logger: TestDatabase.logger)
        defer { Task { await pool.shutdown() } }
        let run = try await pool.withConnection { try await Self.runProbe($0) }
        #expect(run.answer == 42)
        #expect(run.prepared == 0)
        let all = try await pool.withConnection { try await $0.query("SELECT count(*)::int AS n FROM pg_prepared_statements") }
        #expect(try all.first!.decode("n", as: Int.self) == 0)
    }
}
