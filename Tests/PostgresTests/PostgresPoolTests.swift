import Foundation
import GatehouseTestSupport
import Postgres
import Testing

@Suite("Connection pool: transactions, errors, back-pressure, recovery")
struct PostgresPoolTests {
    @Test func transactionRollsBackWhenBodyThrows() async throws {
        let pool = try await TestDatabase.ownerPool(maxConnections: 1)
        defer { Task { await pool.shutdown() } }
        let table = "rollback_probe_" + UUID().uuidString.prefix(8).lowercased()
        try await pool.withConnection { try await $0.executeScript("CREATE TABLE \(table) (v int)") }
        struct Boom: Error {}
        await #expect(throws: Boom.self) {
            try await pool.withTransaction { session in
                try await session.execute("INSERT INTO \(unescaped: table) VALUES (1)")
                throw Boom()
            }
        }
        try await pool.withTransaction { session in
            try await session.execute("INSERT INTO \(unescaped: table) VALUES (2)")
        }
        let values = try await pool.withConnection { session in
            try await session.query("SELECT v FROM \(unescaped: table) ORDER BY v").map { try $0.decode("v", as: Int.self) }
        }
        #expect(values == [2])
        try await pool.withConnection { try await $0.executeScript("DROP TABLE \(table)") }
    }

    @Test func serverErrorsCarrySQLState() async throws {
        let pool = try await TestDatabase.appPool(maxConnections: 1)
        defer { Task { await pool.shutdown() } }
        let error = await #expect(throws: PostgresError.self) {
            try await pool.withConnection { try await $0.query("SELECT 1/0") }
        }
        #expect(error?.sqlState == "22012")
        // The connection is still healthy after a query error.
        let one = try await pool.withConnection { try await $0.query("SELECT 1 AS one").first!.decode("one", as: Int.self) }
        #expect(one == 1)
    }

    @Test func poolNeverOpensMoreThanItsMaximum() async throws {
        let pool = try await TestDatabase.appPool(maxConnections: 3)
        defer { Task { await pool.shutdown() } }
        let backends = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<12 {
                group.addTask {
                    try await pool.withConnection { session in
                        try await session.query("SELECT pg_backend_pid() AS pid, pg_sleep(0.05)").first!.decode("pid", as: Int.self)
                    }
                }
            }
            return try await group.reduce(into: Set<Int>()) { $0.insert($1) }
        }
        #expect(backends.count <= 3)
        #expect(pool.statistics.open <= 3)
        #expect(pool.statistics.waiting == 0)
    }

    @Test func waiterTimesOutWhenPoolIsBusy() async throws {
        var configuration = try PostgresConfiguration(url: try TestDatabase.appURL, maxConnections: 1)
        configuration.acquireTimeout = .milliseconds(200)
        try await TestDatabase.migrate()
        let pool = PostgresPool(configuration: configuration, logger: TestDatabase.logger)
        defer { Task { await pool.shutdown() } }
        let release = AsyncStream<Void>.makeStream()
        let holder = Task {
            try await pool.withConnection { session in
                try await session.query("SELECT 1")
                for await _ in release.stream { break }
            }
        }
        while pool.statistics.inUse < 1 { try await Task.sleep(for: .milliseconds(5)) }
        let error = await #expect(throws: PostgresError.self) {
            try await pool.withConnection { try await $0.query("SELECT 1") }
        }
        #expect(error?.isPoolUnavailable == true)
        #expect(pool.statistics.waiting == 0)
        release.continuation.yield()
        try await holder.value
    }

    @Test func cancelledWaiterLeavesTheQueue() async throws {
        let pool = try await TestDatabase.appPool(maxConnections: 1)
        defer { Task { await pool.shutdown() } }
        // The holder keeps the only connection until the test lets it go (no timing guesses).
        let release = AsyncStream<Void>.makeStream()
        let holder = Task {
            try await pool.withConnection { session in
                try await session.query("SELECT 1")
                for await _ in release.stream { break }
            }
        }
        while pool.statistics.inUse < 1 { try await Task.sleep(for: .milliseconds(5)) }
        let waiter = Task { try await pool.withConnection { try await $0.query("SELECT 1") } }
        while pool.statistics.waiting < 1 { try await Task.sleep(for: .milliseconds(5)) }
        waiter.cancel()
        await #expect(throws: CancellationError.self) { try await waiter.value }
        #expect(pool.statistics.waiting == 0)
        release.continuation.yield()
        try await holder.value
        // The pool still works after the cancellation.
        #expect(try await pool.withConnection { try await $0.query("SELECT 1 AS x").count } == 1)
    }

    @Test func poolReplacesConnectionsKilledByTheServer() async throws {
        let pool = try await TestDatabase.appPool(maxConnections: 2)
        defer { Task { await pool.shutdown() } }
        let application = "gatehouse-kill-" + UUID().uuidString.prefix(8)
        // Tag our connections so the superuser can terminate exactly them (a restart in miniature).
        let pids = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<2 {
                group.addTask {
                    try await pool.withConnection { session in
                        try await session.query("SELECT set_config('application_name', \(String(application)), false)")
                        return try await session.query("SELECT pg_backend_pid() AS pid, pg_sleep(0.1)").first!.decode("pid", as: Int.self)
                    }
                }
            }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        for pid in pids {
            _ = try await TestDatabase.asAdmin("SELECT pg_terminate_backend(\(Int32(pid)))")
        }
        try await Task.sleep(for: .milliseconds(100))
        // Transactions notice the dead connection at BEGIN and retry on a fresh one.
        for _ in 0..<3 {
            let value = try await pool.withTransaction { try await $0.query("SELECT 7 AS x").first!.decode("x", as: Int.self) }
            #expect(value == 7)
        }
    }
}

/// The pool against a database path broken for real (`DatabaseProxy` between the pool and the
/// test cluster), as a restart breaks it.
@Suite("Connection pool: a server that went away", .serialized)
struct PostgresPoolOutageTests {
    /// A pool through a fresh proxy, as the owner (it may create a table to write into).
    static func withProxiedPool(maxConnections: Int, _ body: (PostgresPool, DatabaseProxy) async throws -> Void) async throws {
        try await TestDatabase.migrate()
        let proxy = try await DatabaseProxy.start(forwardingTo: try TestDatabase.ownerURL)
        var configuration = try PostgresConfiguration(url: proxy.url(replacingIn: try TestDatabase.ownerURL),
                                                      maxConnections: maxConnections)
        // Time enough to open a connection on a loaded machine; the refused case waits this long.
        configuration.acquireTimeout = .seconds(3)
        let pool = PostgresPool(configuration: configuration, logger: TestDatabase.logger)
        do {
            try await body(pool, proxy)
        } catch {
            await pool.shutdown()
            await proxy.stop()
            throw error
        }
        await pool.shutdown()
        await proxy.stop()
    }

    @Test func idleConnectionsTheServerClosedAreAllReplacedBeforeAWriteIsSent() async throws {
        try await Self.withProxiedPool(maxConnections: 3) { pool, proxy in
            let table = "restart_probe_" + UUID().uuidString.prefix(8).lowercased()
            try await pool.withConnection { try await $0.executeScript("CREATE TABLE \(table) (v int)") }
            // Three connections open at once, then idle in the pool.
            let before = try await pool.withConnection { a in
                try await pool.withConnection { b in
                    try await pool.withConnection { c in
                        var pids: Set<Int> = []
                        for session in [a, b, c] {
                            pids.insert(try await session.query("SELECT pg_backend_pid() AS pid").first!.decode("pid", as: Int.self))
                        }
                        return pids
                    }
                }
            }
            #expect(before.count == 3)
            #expect(pool.statistics.idle == 3)

            // What a restart does to them: every connection closed by the other side.
            await proxy.dropAll()

            // A write goes out on a fresh connection, once, without an error; the other dead
            // idle connections are closed at the same time, not found one by one.
            let pid = try await pool.withConnection { session in
                try await session.execute("INSERT INTO \(unescaped: table) VALUES (1)")
                return try await session.query("SELECT pg_backend_pid() AS pid").first!.decode("pid", as: Int.self)
            }
            #expect(!before.contains(pid))
            #expect(pool.statistics.open == 1)
            #expect(pool.statistics.idle == 1)
            let rows = try await pool.withConnection { try await $0.query("SELECT count(*) AS n FROM \(unescaped: table)") }
            #expect(try rows.first!.decode("n", as: Int.self) == 1)
            try await pool.withConnection { try await $0.executeScript("DROP TABLE \(table)") }
        }
    }

    @Test func whileTheServerRefusesConnectionsCallersGetAConnectionErrorThenRecover() async throws {
        try await Self.withProxiedPool(maxConnections: 2) { pool, proxy in
            let before = try await pool.withConnection { try await $0.query("SELECT 1 AS x").count }
            #expect(before == 1)
            proxy.refuse()
            await proxy.dropAll()
            // Retried within the acquire timeout, then given up: a lost connection (a 503 for the API).
            let error = await #expect(throws: PostgresError.self) {
                try await pool.withConnection { try await $0.query("SELECT 1") }
            }
            #expect(error?.isConnectionLost == true)
            #expect(pool.statistics.open == 0)
            proxy.accept()
            let after = try await pool.withConnection { try await $0.query("SELECT 1 AS x").count }
            #expect(after == 1)
        }
    }

    @Test func aStatementTheServerAnswersByEndingTheSessionIsADroppedConnection() async throws {
        let pool = try await TestDatabase.ownerPool(maxConnections: 1)
        defer { Task { await pool.shutdown() } }
        // The server's answer is FATAL 57P01 (terminating connection due to administrator
        // command), not a statement error: the connection is gone and is replaced.
        let error = await #expect(throws: PostgresError.self) {
            try await pool.withConnection { try await $0.query("SELECT pg_terminate_backend(pg_backend_pid())") }
        }
        #expect(error?.isConnectionDropped == true)
        #expect(try await pool.withConnection { try await $0.query("SELECT 1 AS x").count } == 1)
    }
}
