/// Decodes a field that Stripe sends as an id (`"cus_123"`) or, when expanded, as the object
/// (`{"id": "cus_123", …}`): either way the id.
struct StripeExpandableID: Decodable {
    let id: String

    private struct Expanded: Decodable { let id: String }

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let id = try? container.decode(String.self) {
            self.id = id
        } else {
            self.id = try container.decode(Expanded.self).id
        }
    }
}

extension KeyedDecodingContainer {
    /// An id or expanded object under `key`, or nil when missing or null.
    func decodeExpandableID(forKey key: Key) throws -> String? {
        try decodeIfPresent(StripeExpandableID.self, forKey: key)?.id
    }
}
