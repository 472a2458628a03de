import GatehouseCore
import GatehouseStore

/// The list conventions of the API: `?limit=` (default 50, clamped to 200, below 1 refused)
/// and an opaque `?cursor=` holding a keyset position.
enum KeysetPaging {
    static let defaultLimit = 50
    static let maximumLimit = 200

    static func limit(_ requested: Int?) throws -> Int {
        guard let requested else { return defaultLimit }
        guard requested >= 1 else { throw GatehouseError.validation("limit", "must be at least 1") }
        return min(requested, maximumLimit)
    }

    static func position(_ cursor: String?) throws -> KeysetPosition? {
        guard let cursor, !cursor.isEmpty else { return nil }
        guard let position = KeysetPosition(cursor: cursor) else {
            throw GatehouseError.invalidRequest("The cursor is not valid; pass a next_cursor from a previous page.", field: "cursor")
        }
        return position
    }
}
