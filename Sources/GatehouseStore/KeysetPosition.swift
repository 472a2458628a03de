import Foundation

/// A position in a list ordered by `(created_at, id)`, carried in an opaque `next_cursor`.
/// The time stays in Postgres' own text form (microseconds and offset), so a page boundary is
/// exact; a `Date` (a double) could round it and skip or repeat a row.
public struct KeysetPosition: Sendable, Equatable {
    /// `created_at` as Postgres printed it; the store casts it back with `::timestamptz`.
    public var createdAt: String
    public var id: UUID

    public init(createdAt: String, id: UUID) {
        self.createdAt = createdAt
        self.id = id
    }

    /// The opaque cursor text (base64url, no padding).
    public var cursor: String {
        Data("\(createdAt)|\(id.uuidString.lowercased())".utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// Reads a cursor made by `cursor`; nil when it is not one.
    public init?(cursor: String) {
        guard cursor.count <= 512 else { return nil }
        var base64 = cursor.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard let data = Data(base64Encoded: base64), let text = String(data: data, encoding: .utf8) else { return nil }
        let parts = text.split(separator: "|", omittingEmptySubsequences: false)
        guard parts.count == 2, let id = UUID(uuidString: String(parts[1])) else { return nil }
        // Only what Postgres prints for a timestamptz: digits, separators, offset.
        let time = String(parts[0])
        guard !time.isEmpty, time.count <= 40,
              time.allSatisfy({ $0.isASCII && ($0.isNumber || "-:. +".contains($0)) }) else { return nil }
        self.init(createdAt: time, id: id)
    }
}
