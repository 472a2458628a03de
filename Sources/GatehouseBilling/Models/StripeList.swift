/// Stripe's list: `{"object": "list", "data": [...], "has_more": bool, "url": "/v1/…"}`.
public struct StripeList<Element: Decodable & Sendable>: Decodable, Sendable {
    public var data: [Element]
    public var hasMore: Bool
    public var url: String?

    enum CodingKeys: String, CodingKey {
        case data, url
        case hasMore = "has_more"
    }
}
