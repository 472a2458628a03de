import Foundation
import GatehouseTestSupport
import Postgres
import Testing

/// libpq passes bound values as C strings: a NUL would end the value early and the server
/// would store a shorter string than the one given. The layer refuses it instead.
@Suite("Postgres binding: text holding NUL is refused, never cut short")
struct PostgresNULTests {
    @Test func aNULInTextOrTextArrayIsAClearDataErrorAndNothingIsSent() async throws {
        let pool = try await TestDatabase.appPool(maxConnections: 1)
        defer { Task { await pool.shutdown() } }
        for query: PostgresQuery in ["SELECT \("before\u{0}after")::text AS t", "SELECT \(["ok", "cut\u{0}here"]) AS t"] {
            do {
                _ = try await pool.withConnection { try await $0.query(query) }
                Issue.record("a NUL was sent to the server")
            } catch let error as PostgresError {
                #expect(error.sqlState == "22021")
                #expect(error.isDataException)
                #expect(error.serverMessage.contains("NUL"))
            }
        }
        // The pipeline path (several implicit transactions in one flight) refuses it before sending.
        do {
            _ = try await pool.withConnection { try await $0.pipeline([["SELECT 1 AS one"], ["SELECT \("x\u{0}")::text AS t"]]) }
            Issue.record("a NUL was sent to the server in a pipeline")
        } catch let error as PostgresError {
            #expect(error.sqlState == "22021")
        }
        // The connection is still good for the next statement.
        let row = try await pool.withConnection { try await $0.query("SELECT \("fine")::text AS t") }.first!
        #expect(try row.decode("t", as: String.self) == "fine")
    }
}
