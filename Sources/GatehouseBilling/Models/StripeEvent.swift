import Foundation
import GatehouseCore

/// A Stripe event (`object: "event"`), as delivered to a webhook endpoint or listed by
/// `GET /v1/events`. `data.object` is kept raw; the typed accessors decode it when its
/// `object` field matches.
public struct StripeEvent: Decodable, Sendable {
    public var id: String
    /// e.g. `checkout.session.completed`, `customer.subscription.updated`, `invoice.paid`.
    public var type: String
    /// Unix seconds.
    public var created: Int64
    public var livemode: Bool
    public var apiVersion: String?
    /// `data.object`: the object as it was when the event happened.
    public var object: JSONValue
    /// `data.previous_attributes`: the changed fields' old values (`*.updated` events).
    public var previousAttributes: JSONValue?
    /// Webhook deliveries not yet acknowledged.
    public var pendingWebhooks: Int?

    public var createdDate: Date { Date(timeIntervalSince1970: TimeInterval(created)) }

    /// The `object` field of `data.object`, e.g. `subscription`, `invoice`, `checkout.session`.
    public var objectType: String? { object["object"]?.stringValue }

    /// The id of `data.object`.
    public var objectID: String? { object["id"]?.stringValue }

    /// `data.object` as a subscription, when it is one.
    public func subscription() throws -> StripeSubscription? {
        objectType == "subscription" ? try object.decode() : nil
    }

    /// `data.object` as a checkout session, when it is one.
    public func checkoutSession() throws -> StripeCheckoutSession? {
        objectType == "checkout.session" ? try object.decode() : nil
    }

    /// `data.object` as an invoice, when it is one.
    public func invoice() throws -> StripeInvoice? {
        objectType == "invoice" ? try object.decode() : nil
    }

    /// `data.object` as a customer, when it is one.
    public func customer() throws -> StripeCustomer? {
        objectType == "customer" ? try object.decode() : nil
    }

    /// Parses a webhook body (after its signature was verified).
    public static func parse(_ payload: some Collection<UInt8>) throws -> StripeEvent {
        try JSONDecoder().decode(StripeEvent.self, from: Data(payload))
    }

    enum CodingKeys: String, CodingKey {
        case id, type, created, livemode, data
        case apiVersion = "api_version"
        case pendingWebhooks = "pending_webhooks"
    }

    private enum DataKeys: String, CodingKey {
        case object
        case previousAttributes = "previous_attributes"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        type = try container.decode(String.self, forKey: .type)
        created = try container.decode(Int64.self, forKey: .created)
        livemode = try container.decodeIfPresent(Bool.self, forKey: .livemode) ?? false
        apiVersion = try container.decodeIfPresent(String.self, forKey: .apiVersion)
        pendingWebhooks = try container.decodeIfPresent(Int.self, forKey: .pendingWebhooks)
        let data = try container.nestedContainer(keyedBy: DataKeys.self, forKey: .data)
        object = try data.decode(JSONValue.self, forKey: .object)
        previousAttributes = try data.decodeIfPresent(JSONValue.self, forKey: .previousAttributes)
    }
}
