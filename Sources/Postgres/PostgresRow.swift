/// The rows a statement returned, copied out of libpq's result into Swift memory.
public struct PostgresRows: Sendable, Sequence {
    public let columns: [String]
    public let rows: [PostgresRow]
    /// Rows inserted, updated or deleted, from the command tag (0 when not applicable).
    public let affectedRows: Int

    public func makeIterator() -> IndexingIterator<[PostgresRow]> { rows.makeIterator() }
    public var count: Int { rows.count }
    public var first: PostgresRow? { rows.first }
    public var isEmpty: Bool { rows.isEmpty }
}

/// One row. Columns are read by name (`try row.decode("id", as: UUID.self)`).
public struct PostgresRow: Sendable {
    let columnIndex: [String: Int]
    let values: [String?]

    public func decode<T: PostgresDecodable>(_ column: String, as type: T.Type = T.self) throws -> T {
        guard let index = columnIndex[column] else {
            throw PostgresError.decoding("no column named '\(column)' in the result")
        }
        return try decode(index, as: type)
    }

    public func decode<T: PostgresDecodable>(_ index: Int, as type: T.Type = T.self) throws -> T {
        guard values.indices.contains(index) else {
            throw PostgresError.decoding("no column at index \(index) in the result")
        }
        do {
            return try T.decode(postgresText: values[index])
        } catch let error as PostgresError {
            let name = columnIndex.first { $0.value == index }?.key ?? "#\(index)"
            throw PostgresError.decoding("column \(name): \(error.serverMessage)")
        }
    }
}
