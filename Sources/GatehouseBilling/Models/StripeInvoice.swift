/// A Stripe invoice (`object: "invoice"`), as carried by `invoice.paid` and
/// `invoice.payment_failed` events.
///
/// API versions from 2025-03-31 moved `subscription` to `parent.subscription_details.subscription`;
/// both places are read.
public struct StripeInvoice: Decodable, Sendable {
    public var id: String
    public var customer: String?
    public var subscription: String?
    /// `draft`, `open`, `paid`, `uncollectible` or `void`.
    public var status: String?
    /// `subscription_create`, `subscription_cycle`, `subscription_update`, …
    public var billingReason: String?
    public var amountDue: Int64
    public var amountPaid: Int64
    public var currency: String?
    public var attemptCount: Int
    /// Unix seconds of the next automatic retry, nil when none is planned.
    public var nextPaymentAttempt: Int64?
    public var created: Int64

    enum CodingKeys: String, CodingKey {
        case id, customer, subscription, status, currency, created, parent
        case billingReason = "billing_reason"
        case amountDue = "amount_due"
        case amountPaid = "amount_paid"
        case attemptCount = "attempt_count"
        case nextPaymentAttempt = "next_payment_attempt"
    }

    private struct Parent: Decodable {
        struct SubscriptionDetails: Decodable {
            let subscription: StripeExpandableID?
        }
        let subscriptionDetails: SubscriptionDetails?
        enum CodingKeys: String, CodingKey { case subscriptionDetails = "subscription_details" }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        customer = try container.decodeExpandableID(forKey: .customer)
        let parent = try container.decodeIfPresent(Parent.self, forKey: .parent)
        subscription = try container.decodeExpandableID(forKey: .subscription) ?? parent?.subscriptionDetails?.subscription?.id
        status = try container.decodeIfPresent(String.self, forKey: .status)
        billingReason = try container.decodeIfPresent(String.self, forKey: .billingReason)
        amountDue = try container.decodeIfPresent(Int64.self, forKey: .amountDue) ?? 0
        amountPaid = try container.decodeIfPresent(Int64.self, forKey: .amountPaid) ?? 0
        currency = try container.decodeIfPresent(String.self, forKey: .currency)
        attemptCount = try container.decodeIfPresent(Int.self, forKey: .attemptCount) ?? 0
        nextPaymentAttempt = try container.decodeIfPresent(Int64.self, forKey: .nextPaymentAttempt)
        created = try container.decodeIfPresent(Int64.self, forKey: .created) ?? 0
    }
}
