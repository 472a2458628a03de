import CLibPQ
import Foundation

/// One libpq connection. Every method blocks the calling thread, so it is only ever called
/// from the pool's dedicated threads (see `PostgresPool`), never from an event loop or the
/// cooperative pool. A connection is used by one caller at a time (the pool's lease
/// guarantees it), which is why it can be `@unchecked Sendable`.
final class PostgresConnection: @unchecked Sendable {
    private var handle: OpaquePointer?
    /// When the pool found the connection broken it discards it instead of reusing it.
    private(set) var isBroken = false
    let generation: Int

    private init(handle: OpaquePointer, generation: Int) {
        self.handle = handle
        self.generation = generation
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
        return PostgresConnection(handle: handle, generation: generation)
    }

    /// Runs one statement with bound parameters (extended protocol, text format).
    func execute(_ query: PostgresQuery) throws -> PostgresRows {
        guard let handle, !isBroken else { throw PostgresError.connectionClosed("connection is closed") }
        let binds = query.binds
        try PostgresBind.checkStorable(binds)
        let types = binds.map { Oid($0.dataType.oid) }
        let result: OpaquePointer? = withOptionalCStringArray(binds.map(\.text)) { valuePointers in
            types.withUnsafeBufferPointer { typePointer in
                PQexecParams(
                    handle, query.sql, Int32(binds.count), typePointer.baseAddress,
                    valuePointers, nil, nil, 0
                )
            }
        }
        return try consume(result)
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
            let sqlState = field(result, GH_PG_DIAG_SQLSTATE)
            if handle.map({ PQstatus($0) != CONNECTION_OK }) ?? true {
                isBroken = true
                throw PostgresError.connectionClosed(currentErrorMessage())
            }
            throw PostgresError.queryFailed(
                message: field(result, GH_PG_DIAG_MESSAGE_PRIMARY) ?? currentErrorMessage(),
                sqlState: sqlState,
                detail: field(result, GH_PG_DIAG_MESSAGE_DETAIL),
                constraint: field(result, GH_PG_DIAG_CONSTRAINT_NAME)
            )
        }
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
    _ strings: [String?], _ body: (UnsafePointer<UnsafePointer<CChar>?>?) -> R
) -> R {
    let duplicates: [UnsafeMutablePointer<CChar>?] = strings.map { $0.flatMap { strdup($0) } }
    defer { duplicates.forEach { free($0) } }
    var pointers: [UnsafePointer<CChar>?] = duplicates.map { $0.map { UnsafePointer($0) } }
    pointers.append(nil)
    return pointers.withUnsafeBufferPointer { body($0.baseAddress) }
}
