import GatehouseCore
import Postgres

/// `stripe_sim.subscriptions` with its one item's price. The simulator's subscriptions have
/// exactly one item (Gatehouse subscribes a tenant to one plan).
struct SimSubscription: Sendable {
    var id: String
    var customer: String
    var status: String
    var itemID: String
    var price: SimPrice
    var quantity: Int
    var currentPeriodStart: Int64
    var currentPeriodEnd: Int64
    var billingCycleAnchor: Int64
    var cancelAtPeriodEnd: Bool
    var canceledAt: Int64?
    var endedAt: Int64?
    var latestInvoice: String?
    var metadata: [String: String]
    var testClock: String?
    var created: Int64
    var itemCreated: Int64

    static let columns = """
        id, customer, status, item_id, price, quantity, current_period_start, current_period_end, billing_cycle_anchor,
        cancel_at_period_end, canceled_at, ended_at, latest_invoice, metadata, test_clock, created, item_created
        """

    /// A subscription whose state is still changing (renewals, retries, cancellation at period end).
    var isLive: Bool { ["active", "past_due", "trialing", "incomplete"].contains(status) }

    init(id: String, customer: SimCustomer, price: SimPrice, quantity: Int, metadata: [String: String], now: Int64) {
        self.id = id
        self.customer = customer.id
        self.status = "incomplete"
        self.itemID = SimulatorID.make("si", length: 14)
        self.price = price
        self.quantity = quantity
        self.currentPeriodStart = now
        self.currentPeriodEnd = BillingPeriod.end(after: now, anchor: now, interval: price.interval)
        self.billingCycleAnchor = now
        self.cancelAtPeriodEnd = false
        self.metadata = metadata
        self.testClock = customer.testClock
        self.created = now
        self.itemCreated = now
    }

    init(_ row: PostgresRow, price: SimPrice) throws {
        id = try row.decode("id")
        customer = try row.decode("customer")
        status = try row.decode("status")
        itemID = try row.decode("item_id")
        self.price = price
        quantity = try row.decode("quantity")
        currentPeriodStart = try row.decode("current_period_start")
        currentPeriodEnd = try row.decode("current_period_end")
        billingCycleAnchor = try row.decode("billing_cycle_anchor")
        cancelAtPeriodEnd = try row.decode("cancel_at_period_end")
        canceledAt = try row.decode("canceled_at")
        endedAt = try row.decode("ended_at")
        latestInvoice = try row.decode("latest_invoice")
        metadata = try row.metadata("metadata")
        testClock = try row.decode("test_clock")
        created = try row.decode("created")
        itemCreated = try row.decode("item_created")
    }

    static func find(_ id: String, in session: PostgresSession, forUpdate: Bool = false) async throws -> SimSubscription? {
        try await load(session.query(
            "SELECT \(unescaped: columns) FROM stripe_sim.subscriptions WHERE id = \(id) \(unescaped: forUpdate ? "FOR UPDATE" : "")"
        ), in: session).first
    }

    /// A customer's subscriptions, newest first.
    static func all(customer: String, in session: PostgresSession, forUpdate: Bool = false) async throws -> [SimSubscription] {
        try await load(session.query("""
            SELECT \(unescaped: columns) FROM stripe_sim.subscriptions WHERE customer = \(customer)
             ORDER BY created DESC, id DESC \(unescaped: forUpdate ? "FOR UPDATE" : "")
            """), in: session)
    }

    static func load(_ rows: PostgresRows, in session: PostgresSession) async throws -> [SimSubscription] {
        var prices: [String: SimPrice] = [:]
        var out: [SimSubscription] = []
        for row in rows {
            let priceID: String = try row.decode("price")
            if prices[priceID] == nil { prices[priceID] = try await SimPrice.find(priceID, in: session) }
            guard let price = prices[priceID] else { continue }
            out.append(try SimSubscription(row, price: price))
        }
        return out
    }

    func insert(in session: PostgresSession) async throws {
        try await session.execute("""
            INSERT INTO stripe_sim.subscriptions (\(unescaped: Self.columns))
            VALUES (\(id), \(customer), \(status), \(itemID), \(price.id), \(quantity), \(currentPeriodStart),
                    \(currentPeriodEnd), \(billingCycleAnchor), \(cancelAtPeriodEnd), \(canceledAt), \(endedAt),
                    \(latestInvoice), \(PostgresJSON(metadata: metadata)), \(testClock), \(created), \(itemCreated))
            """)
    }

    func save(in session: PostgresSession) async throws {
        try await session.execute("""
            UPDATE stripe_sim.subscriptions
               SET status = \(status), price = \(price.id), quantity = \(quantity),
                   current_period_start = \(currentPeriodStart), current_period_end = \(currentPeriodEnd),
                   billing_cycle_anchor = \(billingCycleAnchor), cancel_at_period_end = \(cancelAtPeriodEnd),
                   canceled_at = \(canceledAt), ended_at = \(endedAt), latest_invoice = \(latestInvoice),
                   metadata = \(PostgresJSON(metadata: metadata)), item_created = \(itemCreated)
             WHERE id = \(id)
            """)
    }

    var itemJSON: JSONValue {
        [
            "id": .string(itemID), "object": "subscription_item", "billing_thresholds": nil, "created": .int(itemCreated),
            "current_period_start": .int(currentPeriodStart), "current_period_end": .int(currentPeriodEnd),
            "discounts": [], "metadata": [:], "plan": price.planJSON, "price": price.json,
            "quantity": .int(Int64(quantity)), "subscription": .string(id), "tax_rates": [],
        ]
    }

    var json: JSONValue {
        [
            "id": .string(id), "object": "subscription",
            "application": nil, "application_fee_percent": nil,
            "automatic_tax": ["enabled": false, "liability": nil, "disabled_reason": nil],
            "billing_cycle_anchor": .int(billingCycleAnchor), "billing_cycle_anchor_config": nil,
            "billing_mode": ["type": "classic"],
            "cancel_at": .nullable(cancelAtPeriodEnd ? currentPeriodEnd : nil),
            "cancel_at_period_end": .bool(cancelAtPeriodEnd),
            "canceled_at": .nullable(canceledAt),
            "cancellation_details": ["comment": nil, "feedback": nil, "reason": .nullable(canceledAt == nil ? nil : "cancellation_requested")],
            "collection_method": "charge_automatically", "created": .int(created), "currency": .string(price.currency),
            // Older API versions read the period here; newer ones on the item (both are given).
            "current_period_start": .int(currentPeriodStart), "current_period_end": .int(currentPeriodEnd),
            "customer": .string(customer), "days_until_due": nil, "default_payment_method": nil, "default_source": nil,
            "default_tax_rates": [], "description": nil, "discounts": [], "ended_at": .nullable(endedAt),
            "invoice_settings": ["account_tax_ids": nil, "issuer": ["type": "self"]],
            "items": .list([itemJSON], url: "/v1/subscription_items?subscription=\(id)"),
            "latest_invoice": .nullable(latestInvoice), "livemode": false, "metadata": .metadata(metadata),
            "next_pending_invoice_item_invoice": nil, "on_behalf_of": nil, "pause_collection": nil,
            "payment_settings": ["payment_method_options": nil, "payment_method_types": nil, "save_default_payment_method": "off"],
            "pending_invoice_item_interval": nil, "pending_setup_intent": nil, "pending_update": nil,
            "plan": price.planJSON, "quantity": .int(Int64(quantity)),
            "schedule": nil, "start_date": .int(created), "status": .string(status), "test_clock": .nullable(testClock),
            "transfer_data": nil, "trial_end": nil,
            "trial_settings": ["end_behavior": ["missing_payment_method": "create_invoice"]], "trial_start": nil,
        ]
    }
}
