import Foundation
import GatehouseTestSupport
import Postgres
import Testing

@Suite("Postgres values round-trip exactly through a real server")
struct PostgresTypeTests {
    @Test func scalarsRoundTrip() async throws {
        let pool = try await TestDatabase.appPool(maxConnections: 1)
        defer { Task { await pool.shutdown() } }
        let id = UUID()
        let when = Date(timeIntervalSince1970: 1_777_197_600.123456)
        let rows = try await pool.withConnection { session in
            try await session.query("""
                SELECT \(id) AS id, \(Int(-9_007_199_254_740_993)) AS big, \(Int32(42)) AS small,
                       \(true) AS yes, \("héllo 'quoted' \\ back") AS text, \(when) AS at,
                       \(Optional<String>.none) AS nothing
                """)
        }
        let row = try #require(rows.first)
        #expect(try row.decode("id", as: UUID.self) == id)
        #expect(try row.decode("big", as: Int.self) == -9_007_199_254_740_993)
        #expect(try row.decode("small", as: Int32.self) == 42)
        #expect(try row.decode("yes", as: Bool.self) == true)
        #expect(try row.decode("text", as: String.self) == "héllo 'quoted' \\ back")
        let decoded = try row.decode("at", as: Date.self)
        #expect(abs(decoded.timeIntervalSince1970 - when.timeIntervalSince1970) < 0.000_001)
        #expect(try row.decode("nothing", as: String?.self) == nil)
        #expect(throws: PostgresError.self) { try row.decode("nothing", as: String.self) }
    }

    @Test func numericStaysExact() async throws {
        let pool = try await TestDatabase.appPool(maxConnections: 1)
        defer { Task { await pool.shutdown() } }
        // 0.1 + 0.2 is the classic floating-point trap; numeric must give exactly 0.3.
        let a = Decimal(string: "0.100000")!, b = Decimal(string: "0.200000")!
        let huge = Decimal(string: "12345678901234.123456")!
        let row = try await pool.withConnection { session in
            try await session.query("SELECT \(a) + \(b) AS sum, \(huge)::numeric(20,6) AS huge").first!
        }
        #expect(try row.decode("sum", as: Decimal.self) == Decimal(string: "0.3")!)
        #expect(try row.decode("huge", as: Decimal.self) == huge)
        #expect(try row.decode("huge", as: String.self) == "12345678901234.123456")
    }

    @Test func arraysJSONAndBytes() async throws {
        let pool = try await TestDatabase.appPool(maxConnections: 1)
        defer { Task { await pool.shutdown() } }
        let values = ["plain", "with space", "comma,inside", "quote\"inside", "back\\slash", "", "{braces}", "NULL"]
        let bytes = Data([0, 1, 2, 254, 255])
        let row = try await pool.withConnection { session in
            try await session.query("""
                SELECT \(values) AS list, \(PostgresJSON(text: #"{"a": [1, "x"]}"#)) AS doc,
                       \(bytes) AS raw, cardinality(\(values)) AS n, \([String]()) AS empty
                """).first!
        }
        #expect(try row.decode("list", as: [String].self) == values)
        #expect(try row.decode("n", as: Int.self) == values.count)
        #expect(try row.decode("empty", as: [String].self) == [])
        #expect(try row.decode("doc", as: PostgresJSON.self).text == #"{"a": [1, "x"]}"#)
        #expect(try row.decode("raw", as: Data.self) == bytes)
    }

    @Test func boundValuesNeverBecomeSQL() async throws {
        let pool = try await TestDatabase.appPool(maxConnections: 1)
        defer { Task { await pool.shutdown() } }
        let hostile = "'; DROP TABLE plans; --"
        let row = try await pool.withConnection { session in
            try await session.query("SELECT \(hostile) AS echoed, (SELECT count(*) FROM plans) AS plans").first!
        }
        #expect(try row.decode("echoed", as: String.self) == hostile)
        #expect(try row.decode("plans", as: Int.self) == 4)
    }
}

extension PostgresTypeTests {
    /// Array elements are parsed as UTF-8 bytes: multi-byte characters next to quotes,
    /// backslashes and commas must come back intact.
    @Test func nonASCIIArrayElementsRoundTrip() async throws {
        let pool = try await TestDatabase.appPool(maxConnections: 1)
        defer { Task { await pool.shutdown() } }
        let values = ["héllo", "\"é\"", "\\ü\\", "日本,語", "✓ done", "e\u{301}"]
        let row = try await pool.withConnection { try await $0.query("SELECT \(values) AS list").first! }
        #expect(try row.decode("list", as: [String].self) == values)
    }
}
