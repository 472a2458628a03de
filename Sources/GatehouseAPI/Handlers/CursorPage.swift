/// The body of every cursor list (`{items, next_cursor}`), used by the generated code in place of
/// the schemas `ApiKeyList`, `SessionList`, `AdminKeyList`, `ConsentList` (see `typeOverrides`
/// in openapi-generator-config.yaml).
///
/// Why not the generated struct: `next_cursor` is required and nullable, and the generated
/// Codable leaves a nil property out, so the last page had no `next_cursor` at all, which a
/// strict client generated from the same contract rejects. This type writes `null`.
package struct CursorPage<Item: Codable & Hashable & Sendable>: Codable, Hashable, Sendable {
    package var items: [Item]
    /// Pass as `cursor` for the next page; nil (encoded as `null`) on the last page.
    package var nextCursor: String?

    package init(items: [Item], nextCursor: String? = nil) {
        self.items = items
        self.nextCursor = nextCursor
    }

    package enum CodingKeys: String, CodingKey {
        case items
        case nextCursor = "next_cursor"
    }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        items = try container.decode([Item].self, forKey: .items)
        // Required by the contract: a missing key is an error, an explicit null is the last page.
        nextCursor = try container.decode(String?.self, forKey: .nextCursor)
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(items, forKey: .items)
        try container.encode(nextCursor, forKey: .nextCursor)
    }
}
