import Foundation
import GatehouseTestSupport
import Postgres
import Testing

/// libpq pipeline mode: several implicit transactions in one flight, each closed by its own
/// sync point, each committing or failing on its own.
@Suite("Pipelines: one flight, one transaction per sync point")
struct PipelineTests {
    @Test func eachSegmentIsItsOwnCommittedTransaction() async throws {
        let pool = try await TestDatabase.appPool(maxConnections: 1)
        defer { Task { await pool.shutdown() } }
        let results = try await pool.withConnection { session in
            try await session.pipeline([
                ["SELECT txid_current() AS xid"],
                ["SELECT \(Int32(2)) AS n", "SELECT txid_current() AS xid"],
            ])
        }
        let first = try results[0].get()
        let second = try results[1].get()
        #expect(second.count == 2)
        #expect(try second[0].first!.decode("n", as: Int.self) == 2)
        let firstXID = try first[0].first!.decode("xid", as: Int.self)
        let secondXID = try second[1].first!.decode("xid", as: Int.self)
        #expect(firstXID != secondXID, "the sync point ended the first transaction")
        let status = try await pool.withConnection { session in
            try await session.query("SELECT txid_status(\(firstXID)) AS s").first!.decode("s", as: String.self)
        }
        #expect(status == "committed")
    }

    @Test func aFailureAbortsOnlyItsOwnSegment() async throws {
        let pool = try await TestDatabase.ownerPool(maxConnections: 1)
        defer { Task { await pool.shutdown() } }
        let table = "pipeline_probe_" + UUID().uuidString.prefix(8).lowercased()
        try await pool.withConnection { try await $0.executeScript("CREATE TABLE \(table) (v int)") }
        let results = try await pool.withConnection { session in
            try await session.pipeline([
                ["INSERT INTO \(unescaped: table) VALUES (1)", "SELECT 1/0", "INSERT INTO \(unescaped: table) VALUES (2)"],
                ["INSERT INTO \(unescaped: table) VALUES (3)"],
            ])
        }
        #expect(throws: PostgresError.self) { try results[0].get() }
        if case .failure(let error) = results[0] { #expect(error.sqlState == "22012") }
        #expect(try results[1].get().count == 1)
        // The failed segment was rolled back whole; the next one committed; the connection is fine.
        let values = try await pool.withConnection { session in
            try await session.query("SELECT v FROM \(unescaped: table) ORDER BY v").map { try $0.decode("v", as: Int.self) }
        }
        #expect(values == [3])
        try await pool.withConnection { try await $0.executeScript("DROP TABLE \(table)") }
    }

    @Test func statementsArePreparedOnceAcrossPipelines() async throws {
        let pool = try await TestDatabase.appPool(maxConnections: 1)
        defer { Task { await pool.shutdown() } }
        let probe: PostgresQuery = "SELECT \(Int32(20)) * 2 AS forty"
        for _ in 0..<3 {
            let results = try await pool.withConnection { session in
                try await session.pipeline([[probe], [probe, "SELECT count(*)::int AS n FROM pg_prepared_statements WHERE statement = \(probe.sql)"]])
            }
            #expect(try results[0].get()[0].first!.decode("forty", as: Int.self) == 40)
            #expect(try results[1].get()[1].first!.decode("n", as: Int.self) == 1)
        }
        // A pipeline and a plain statement share the connection's statements.
        let held = try await pool.withConnection { session in
            try await session.query(probe)
            return try await session.query("SELECT count(*)::int AS n FROM pg_prepared_statements WHERE statement = \(probe.sql)")
        }
        #expect(try held.first!.decode("n", as: Int.self) == 1)
    }

    @Test func aStatementDroppedByTheServerIsPreparedAgainInAPipeline() async throws {
        let pool = try await TestDatabase.appPool(maxConnections: 1)
        defer { Task { await pool.shutdown() } }
        let probe: PostgresQuery = "SELECT \(Int32(6)) * 7 AS answer"
        try await pool.withConnection { session in
            _ = try await session.pipeline([[probe]])
            try await session.executeScript("DEALLOCATE ALL")
            let results = try await session.pipeline([[probe], ["SELECT 1 AS one"]])
            #expect(try results[0].get()[0].first!.decode("answer", as: Int.self) == 42)
            #expect(try results[1].get()[0].first!.decode("one", as: Int.self) == 1)
        }
    }
}
