import Foundation

/// A Stripe customer (`object: "customer"`).
public struct StripeCustomer: Decodable, Sendable {
    public var id: String
    public var email: String?
    public var name: String?
    public var metadata: [String: String]
    /// Unix seconds.
    public var created: Int64
    /// The test clock the customer is attached to (test mode only).
    public var testClock: String?

    enum CodingKeys: String, CodingKey {
        case id, email, name, metadata, created
        case testClock = "test_clock"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        email = try container.decodeIfPresent(String.self, forKey: .email)
        name = try container.decodeIfPresent(String.self, forKey: .name)
        metadata = try container.decodeIfPresent([String: String].self, forKey: .metadata) ?? [:]
        created = try container.decodeIfPresent(Int64.self, forKey: .created) ?? 0
        testClock = try container.decodeExpandableID(forKey: .testClock)
    }
}
