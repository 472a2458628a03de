import GatehouseCore
import Postgres

/// `stripe_sim.invoices`: one per billing period of a subscription (and one per immediate
/// switch of billing cycle), paid, or open while its payment is retried.
struct SimInvoice: Sendable {
    var id: String
    var number: String
    var customer: String
    var subscription: String?
    var price: String
    var quantity: Int
    var amountDue: Int64
    var amountPaid: Int64
    var currency: String
    /// `draft`, `open`, `paid`, `uncollectible`, `void`.
    var status: String
    /// `subscription_create`, `subscription_cycle`, `subscription_update`.
    var billingReason: String
    var attemptCount: Int
    var nextPaymentAttempt: Int64?
    var periodStart: Int64
    var periodEnd: Int64
    var paidAt: Int64?
    var testClock: String?
    var created: Int64

    static let columns = """
        id, number, customer, subscription, price, quantity, amount_due, amount_paid, currency, status, billing_reason,
        attempt_count, next_payment_attempt, period_start, period_end, paid_at, test_clock, created
        """

    init(subscription: SimSubscription, reason: String, now: Int64) {
        id = SimulatorID.make("in")
        number = String(subscription.customer.suffix(8)).uppercased() + "-" + String(now % 100_000)
        customer = subscription.customer
        self.subscription = subscription.id
        price = subscription.price.id
        quantity = subscription.quantity
        amountDue = subscription.price.unitAmount * Int64(subscription.quantity)
        amountPaid = 0
        currency = subscription.price.currency
        status = "open"
        billingReason = reason
        attemptCount = 0
        periodStart = subscription.currentPeriodStart
        periodEnd = subscription.currentPeriodEnd
        testClock = subscription.testClock
        created = now
    }

    init(_ row: PostgresRow) throws {
        id = try row.decode("id")
        number = try row.decode("number")
        customer = try row.decode("customer")
        subscription = try row.decode("subscription")
        price = try row.decode("price")
        quantity = try row.decode("quantity")
        amountDue = try row.decode("amount_due")
        amountPaid = try row.decode("amount_paid")
        currency = try row.decode("currency")
        status = try row.decode("status")
        billingReason = try row.decode("billing_reason")
        attemptCount = try row.decode("attempt_count")
        nextPaymentAttempt = try row.decode("next_payment_attempt")
        periodStart = try row.decode("period_start")
        periodEnd = try row.decode("period_end")
        paidAt = try row.decode("paid_at")
        testClock = try row.decode("test_clock")
        created = try row.decode("created")
    }

    static func find(_ id: String, in session: PostgresSession, forUpdate: Bool = false) async throws -> SimInvoice? {
        try await session.query(
            "SELECT \(unescaped: columns) FROM stripe_sim.invoices WHERE id = \(id) \(unescaped: forUpdate ? "FOR UPDATE" : "")"
        ).first.map(SimInvoice.init)
    }

    /// The subscription's open invoice being retried, if any.
    static func open(subscription: String, in session: PostgresSession) async throws -> SimInvoice? {
        try await session.query("""
            SELECT \(unescaped: columns) FROM stripe_sim.invoices
             WHERE subscription = \(subscription) AND status = 'open'
             ORDER BY created DESC LIMIT 1 FOR UPDATE
            """).first.map(SimInvoice.init)
    }

    func insert(in session: PostgresSession) async throws {
        try await session.execute("""
            INSERT INTO stripe_sim.invoices (\(unescaped: Self.columns))
            VALUES (\(id), \(number), \(customer), \(subscription), \(price), \(quantity), \(amountDue), \(amountPaid),
                    \(currency), \(status), \(billingReason), \(attemptCount), \(nextPaymentAttempt), \(periodStart),
                    \(periodEnd), \(paidAt), \(testClock), \(created))
            """)
    }

    func save(in session: PostgresSession) async throws {
        try await session.execute("""
            UPDATE stripe_sim.invoices
               SET amount_paid = \(amountPaid), status = \(status), attempt_count = \(attemptCount),
                   next_payment_attempt = \(nextPaymentAttempt), paid_at = \(paidAt)
             WHERE id = \(id)
            """)
    }

    var json: JSONValue {
        let line: JSONValue = [
            "id": .string("il_" + id.dropFirst(3)), "object": "line_item", "amount": .int(amountDue),
            "currency": .string(currency), "description": .string("\(quantity) × subscription"),
            "discount_amounts": [], "discountable": true, "discounts": [], "invoice": .string(id), "livemode": false,
            "metadata": [:], "period": ["start": .int(periodStart), "end": .int(periodEnd)],
            "pricing": ["type": "price_details", "price_details": ["price": .string(price), "product": nil], "unit_amount_decimal": nil],
            "quantity": .int(Int64(quantity)), "subscription": .nullable(subscription),
            "parent": [
                "type": "subscription_item_details",
                "subscription_item_details": ["subscription": .nullable(subscription), "proration": false],
            ],
        ]
        return [
            "id": .string(id), "object": "invoice", "account_country": "US", "account_name": "Gatehouse (simulated)",
            "amount_due": .int(amountDue), "amount_paid": .int(amountPaid), "amount_remaining": .int(amountDue - amountPaid),
            "amount_shipping": 0, "attempt_count": .int(Int64(attemptCount)), "attempted": .bool(attemptCount > 0),
            "auto_advance": .bool(status == "open"), "billing_reason": .string(billingReason),
            "collection_method": "charge_automatically", "created": .int(created), "currency": .string(currency),
            "customer": .string(customer), "customer_email": nil, "customer_name": nil, "description": nil,
            "discounts": [], "due_date": nil, "effective_at": .int(created), "ending_balance": 0, "footer": nil,
            "hosted_invoice_url": nil, "invoice_pdf": nil, "issuer": ["type": "self"],
            "lines": .list([line], url: "/v1/invoices/\(id)/lines"), "livemode": false, "metadata": [:],
            "next_payment_attempt": .nullable(nextPaymentAttempt), "number": .string(number),
            // API versions before 2025-03-31 read `subscription` here; newer ones under `parent`.
            "subscription": .nullable(subscription),
            "parent": [
                "type": "subscription_details", "quote_details": nil,
                "subscription_details": ["metadata": nil, "subscription": .nullable(subscription)],
            ],
            "period_start": .int(periodStart), "period_end": .int(periodEnd),
            "starting_balance": 0, "status": .string(status),
            "status_transitions": [
                "finalized_at": .int(created), "marked_uncollectible_at": nil, "paid_at": .nullable(paidAt), "voided_at": nil,
            ],
            "subtotal": .int(amountDue), "subtotal_excluding_tax": .int(amountDue), "test_clock": .nullable(testClock),
            "total": .int(amountDue), "total_excluding_tax": .int(amountDue), "webhooks_delivered_at": .int(created),
        ]
    }
}
