import CLibPQ
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One libpq connection. Every method blocks the calling thread, so it is only ever called
/// from the pool's dedicated threads (see `PostgresPool`), never from an event loop or the
/// cooperative pool. A connection is used by one caller at a time (the pool's lease
/// guarantees it), which is why it can be `@unchecked Sendable`.
final class PostgresConnection: @unchecked Sendable {
    private var handle: OpaquePointer?
    /// When the pool found the connection broken it discards it instead of reusing it.
    private(set) var isBroken = false
    let generation: Int
    /// Whether statements are prepared once per connection (off for PgBouncer in transaction
    /// mode before 1.21, which may hand each transaction a different server connection).
    private let usesPreparedStatements: Bool
    private var prepared = PreparedStatements()

    private init(handle: OpaquePointer, generation: Int, usesPreparedStatements: Bool) {
        self.handle = handle
        self.generation = generation
        self.usesPreparedStatements = usesPreparedStatements
    }

    deinit {
        if let handle { PQfinish(handle) }
    }

    /// Opens a connection. Times are exchanged in ISO format and UTC so decoding is exact.
    static func connect(_ configuration: PostgresConfiguration, generation: Int) throws -> PostgresConnection {
        let keywords = ["dbname", "options", "application_name", "connect_timeout"]
        let values = [
            configuration.url,
            "-c DateStyle=ISO,YMD -c TimeZone=UTC -c IntervalStyle=iso_8601 -c bytea_output=hex",
            configuration.applicationName,
            String(configuration.connectTimeoutSeconds),
        ]
        let handle = withCStringArray(keywords) { keywordPointers in
            withCStringArray(values) { valuePointers in
                // expand_dbname = 1: the first "dbname" value is parsed as a full URL.
                PQconnectdbParams(keywordPointers, valuePointers, 1)
            }
        }
        guard let handle else { throw PostgresError.connectionFailed("libpq could not allocate a connection") }
        guard PQstatus(handle) == CONNECTION_OK else {
            let message = String(cString: PQerrorMessage(handle)).trimmingCharacters(in: .whitespacesAndNewlines)
            PQfinish(handle)
            throw PostgresError.connectionFailed(message)
        }
        // Notices (e.g. "relation already exists, skipping") are not errors; keep them off stderr.
        PQsetNoticeProcessor(handle, { _, _ in }, nil)
        return PostgresConnection(
            handle: handle, generation: generation, usesPreparedStatements: configuration.usesPreparedStatements)
    }

    /// Runs one statement with bound parameters (extended protocol, text format). With prepared
    /// statements on, the first run of a SQL text on this connection prepares it (parse and plan
    /// once) and every later run only binds and executes.
    func execute(_ query: PostgresQuery) throws -> PostgresRows {
        guard let handle, !isBroken else { throw PostgresError.connectionClosed("connection is closed") }
        let binds = query.binds
        try PostgresBind.checkStorable(binds)
        let types = binds.map { Oid($0.dataType.oid) }
        return try withOptionalCStringArray(binds.map(\.text)) { values in
            guard let statement = try preparedStatement(query.sql, types: types) else {
                return try consume(types.withUnsafeBufferPointer { typePointer in
                    PQexecParams(handle, query.sql, Int32(types.count), typePointer.baseAddress, values, nil, nil, 0)
                })
            }
            let result = PQexecPrepared(handle, statement.name, Int32(types.count), values, nil, nil, 0)
            guard let result, Self.isStaleStatement(result) else { return try consume(result) }
            // The server no longer has the statement (DISCARD ALL, a pooler) or its plan went
            // stale (the schema changed its result type): prepare it afresh. Retried only outside
            // a transaction, where the failed attempt did nothing; inside one the error stands.
            prepared.forget(query.sql)
            guard PQtransactionStatus(handle) == PQTRANS_IDLE else { return try consume(result) }
            PQclear(result)
            deallocate(statement.name)
            let fresh = try preparedStatement(query.sql, types: types)!
            return try consume(PQexecPrepared(handle, fresh.name, Int32(types.count), values, nil, nil, 0))
        }
    }

    /// The prepared statement for `sql`, preparing it now if there is none yet; nil when
    /// prepared statements are off or the statement should run unnamed.
    private func preparedStatement(_ sql: String, types: [Oid]) throws -> PreparedStatements.Statement? {
        guard usesPreparedStatements, let handle else { return nil }
        if let statement = prepared.statement(for: sql, types: types) { return statement }
        guard prepared.canPrepare(sql) else { return nil }
        let statement = PreparedStatements.Statement(name: prepared.nextName(), types: types)
        _ = try consume(types.withUnsafeBufferPointer { typePointer in
            PQprepare(handle, statement.name, sql, Int32(types.count), typePointer.baseAddress)
        })
        prepared.remember(sql, statement)
        return statement
    }

    /// 26000: the named statement does not exist; 0A000 on execute: "cached plan must not
    /// change result type".
    private static func isStaleStatement(_ result: OpaquePointer) -> Bool {
        guard PQresultStatus(result) == PGRES_FATAL_ERROR,
              let code = PQresultErrorField(result, GH_PG_DIAG_SQLSTATE) else { return false }
        let sqlState = String(cString: code)
        return sqlState == "26000" || sqlState == "0A000"
    }

    /// Drops a statement the server may still hold (best effort: it may already be gone).
    private func deallocate(_ name: String) {
        guard let handle else { return }
        PQclear(PQexec(handle, "DEALLOCATE \(name)"))
    }

    /// Sends every segment in one flight (libpq pipeline mode), each closed by its own sync
    /// point: a segment is its own implicit transaction, committed when its last statement
    /// succeeds, and a failing statement aborts only its own segment. Returns each segment's
    /// rows (one `PostgresRows` per statement) or the error that aborted it. A segment that
    /// failed only because a prepared statement went stale is sent once more (it was rolled back
    /// whole). Must start outside a transaction.
    func executePipeline(_ segments: [[PostgresQuery]]) throws -> [Result<[PostgresRows], PostgresError>] {
        guard let handle, !isBroken else { throw PostgresError.connectionClosed("connection is closed") }
        guard PQtransactionStatus(handle) == PQTRANS_IDLE else {
            throw PostgresError.invalidConfiguration("a pipeline must start outside a transaction")
        }
        for segment in segments { for query in segment { try PostgresBind.checkStorable(query.binds) } }
        guard PQenterPipelineMode(handle) == 1 else { throw lost() }
        var sent: [[PipelineItem]] = []
        for segment in segments {
            var items: [PipelineItem] = []
            for query in segment { items += try send(query) }
            guard PQpipelineSync(handle) == 1 else { throw lost() }
            sent.append(items)
        }
        var results: [Result<[PostgresRows], PostgresError>] = []
        var stale: [Int] = []
        for (index, items) in sent.enumerated() {
            let (result, isStale) = try receiveSegment(items)
            results.append(result)
            if isStale { stale.append(index) }
        }
        guard PQexitPipelineMode(handle) == 1 else { throw lost() }
        // Re-sent only when nothing is left open: a failed segment inside an explicit
        // transaction leaves it aborted, and the caller must roll it back instead.
        if !stale.isEmpty, PQtransactionStatus(handle) == PQTRANS_IDLE {
            let retried = try executePipeline(stale.map { segments[$0] })
            for (index, result) in zip(stale, retried) { results[index] = result }
        }
        return results
    }

    /// What a pipeline expects back for one sent message: a Parse's bare acknowledgement, or
    /// a statement's rows.
    private enum PipelineItem {
        case prepare(sql: String)
        case statement(sql: String)
    }

    /// Queues one statement (and its Parse, the first time this connection sees its SQL).
    private func send(_ query: PostgresQuery) throws -> [PipelineItem] {
        guard let handle else { throw lost() }
        let types = query.binds.map { Oid($0.dataType.oid) }
        var items: [PipelineItem] = []
        var statement: PreparedStatements.Statement?
        if usesPreparedStatements {
            statement = prepared.statement(for: query.sql, types: types)
            if statement == nil, prepared.canPrepare(query.sql) {
                let fresh = PreparedStatements.Statement(name: prepared.nextName(), types: types)
                let queued = types.withUnsafeBufferPointer {
                    PQsendPrepare(handle, fresh.name, query.sql, Int32(types.count), $0.baseAddress)
                }
                guard queued == 1 else { throw lost() }
                // Remembered now so later statements of this pipeline reuse it; forgotten again
                // if the server refuses the Parse.
                prepared.remember(query.sql, fresh)
                statement = fresh
                items.append(.prepare(sql: query.sql))
            }
        }
        let queued = withOptionalCStringArray(query.binds.map(\.text)) { values in
            if let statement {
                return PQsendQueryPrepared(handle, statement.name, Int32(types.count), values, nil, nil, 0)
            }
            return types.withUnsafeBufferPointer {
                PQsendQueryParams(handle, query.sql, Int32(types.count), $0.baseAddress, values, nil, nil, 0)
            }
        }
        guard queued == 1 else { throw lost() }
        items.append(.statement(sql: query.sql))
        return items
    }

    /// Reads one segment's results up to and including its sync point. `isStale` when the
    /// segment failed because a prepared statement was gone or stale.
    private func receiveSegment(_ items: [PipelineItem]) throws -> (Result<[PostgresRows], PostgresError>, isStale: Bool) {
        guard let handle else { throw lost() }
        var rows: [PostgresRows] = []
        var failure: PostgresError?
        var isStale = false
        for item in items {
            guard let result = PQgetResult(handle) else { throw lost() }
            switch PQresultStatus(result) {
            case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
                if case .statement = item { rows.append(copyRows(result)) }
            case PGRES_PIPELINE_ABORTED:
                break
            default:
                if endsSession(result) {
                    PQclear(result)
                    throw lost()
                }
                switch item {
                case .prepare(let sql):
                    prepared.forget(sql)
                case .statement(let sql):
                    if Self.isStaleStatement(result) {
                        prepared.forget(sql)
                        isStale = failure == nil
                    }
                }
                if failure == nil { failure = queryError(result) }
            }
            PQclear(result)
            // Each statement's results end with a NULL (a sync point's do not).
            while let extra = PQgetResult(handle) { PQclear(extra) }
        }
        guard let sync = PQgetResult(handle) else { throw lost() }
        defer { PQclear(sync) }
        guard PQresultStatus(sync) == PGRES_PIPELINE_SYNC else { throw lost() }
        if let failure { return (.failure(failure), isStale) }
        return (.success(rows), false)
    }

    /// Marks the connection broken (the pool replaces it) and describes why.
    private func lost() -> PostgresError {
        isBroken = true
        return PostgresError.connectionClosed(currentErrorMessage())
    }

    /// Runs a script of several statements with the simple protocol and no parameters.
    /// Only for trusted SQL files (migrations); never pass user input here.
    func executeScript(_ sql: String) throws {
        guard let handle, !isBroken else { throw PostgresError.connectionClosed("connection is closed") }
        _ = try consume(PQexec(handle, sql))
    }

    func close() {
        if let handle { PQfinish(handle) }
        handle = nil
        isBroken = true
    }

    /// Whether libpq still believes the socket is healthy.
    var isOpen: Bool {
        guard let handle, !isBroken else { return false }
        return PQstatus(handle) == CONNECTION_OK
    }

    /// Whether this idle connection can carry a statement: open, and the server has sent
    /// nothing since its last answer. An idle backend sends nothing unless it is ending the
    /// session (a restart, `pg_terminate_backend`, an idle timeout: an error message, then the
    /// socket closes), and libpq only notices when it next reads, i.e. after the caller's
    /// statement was sent. So anything readable now means the server is gone or going, and
    /// the connection is marked broken before a byte of the caller's is sent on it. (The one
    /// harmless exception, a setting reported after a configuration reload, costs a reconnect.)
    /// A zero-timeout `poll`: never blocks, so the pool may ask on any thread.
    var isReadyToSend: Bool {
        guard isOpen, let handle else { return false }
        var descriptor = pollfd(fd: PQsocket(handle), events: Int16(POLLIN), revents: 0)
        guard descriptor.fd >= 0, poll(&descriptor, 1, 0) == 0 else {
            isBroken = true
            return false
        }
        return true
    }

    /// True when no transaction is open (or failed) on this connection.
    var isIdleOutsideTransaction: Bool {
        guard let handle, !isBroken else { return false }
        return PQtransactionStatus(handle) == PQTRANS_IDLE
    }

    private func consume(_ result: OpaquePointer?) throws -> PostgresRows {
        guard let result else {
            isBroken = true
            throw PostgresError.connectionClosed(currentErrorMessage())
        }
        defer { PQclear(result) }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
            return copyRows(result)
        default:
            if endsSession(result) {
                isBroken = true
                throw PostgresError.connectionClosed(currentErrorMessage())
            }
            throw queryError(result)
        }
    }

    /// Whether a failed result means the session is over: the socket is closed, or the server
    /// answered with an error that ends the session (SQLSTATE class 57P: shutting down,
    /// crashed, terminated by an administrator, idle timeout), which can arrive before libpq
    /// has read the end of the stream.
    private func endsSession(_ result: OpaquePointer) -> Bool {
        guard let handle, PQstatus(handle) == CONNECTION_OK else { return true }
        return field(result, GH_PG_DIAG_SQLSTATE)?.hasPrefix("57P") ?? false
    }

    /// The server's error for a failed statement.
    private func queryError(_ result: OpaquePointer) -> PostgresError {
        PostgresError.queryFailed(
            message: field(result, GH_PG_DIAG_MESSAGE_PRIMARY) ?? currentErrorMessage(),
            sqlState: field(result, GH_PG_DIAG_SQLSTATE),
            detail: field(result, GH_PG_DIAG_MESSAGE_DETAIL),
            constraint: field(result, GH_PG_DIAG_CONSTRAINT_NAME)
        )
    }

    private func copyRows(_ result: OpaquePointer) -> PostgresRows {
        let columnCount = Int(PQnfields(result))
        let rowCount = Int(PQntuples(result))
        var columns: [String] = []
        var index: [String: Int] = [:]
        for column in 0..<columnCount {
            let name = String(cString: PQfname(result, Int32(column)))
            columns.append(name)
            if index[name] == nil { index[name] = column }
        }
        var rows: [PostgresRow] = []
        rows.reserveCapacity(rowCount)
        for row in 0..<rowCount {
            var values: [String?] = []
            values.reserveCapacity(columnCount)
            for column in 0..<columnCount {
                if PQgetisnull(result, Int32(row), Int32(column)) == 1 {
                    values.append(nil)
                } else {
                    values.append(String(cString: PQgetvalue(result, Int32(row), Int32(column))))
                }
            }
            rows.append(PostgresRow(columnIndex: index, values: values))
        }
        let affected = Int(String(cString: PQcmdTuples(result))) ?? 0
        return PostgresRows(columns: columns, rows: rows, affectedRows: affected)
    }

    private func field(_ result: OpaquePointer, _ code: Int32) -> String? {
        guard let pointer = PQresultErrorField(result, code) else { return nil }
        return String(cString: pointer)
    }

    private func currentErrorMessage() -> String {
        guard let handle else { return "connection is closed" }
        return String(cString: PQerrorMessage(handle)).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

private func withCStringArray<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
    withOptionalCStringArray(strings.map { Optional($0) }) { pointers in
        // libpq wants NULL-terminated keyword/value arrays.
        body(pointers!)
    }
}

/// Gives libpq a C array of C strings (NULL entries stay NULL), valid during `body`.
private func withOptionalCStringArray<R>(
    _ strings: [String?], _ body: (UnsafePointer<UnsafePointer<CChar>?>?) throws -> R
) rethrows -> R {
    let duplicates: [UnsafeMutablePointer<CChar>?] = strings.map { $0.flatMap { strdup($0) } }
    defer { duplicates.forEach { free($0) } }
    var pointers: [UnsafePointer<CChar>?] = duplicates.map { $0.map { UnsafePointer($0) } }
    pointers.append(nil)
    return try pointers.withUnsafeBufferPointer { try body($0.baseAddress) }
}
