import GatehouseCore
import Postgres

/// A price with its product's name (`stripe_sim.prices` joined to `products`).
struct SimPrice: Sendable {
    var id: String
    var product: String
    var productName: String
    var unitAmount: Int64
    var currency: String
    /// `month` or `year`.
    var interval: String
    var lookupKey: String?
    var nickname: String?
    var metadata: [String: String]
    var active: Bool
    var created: Int64

    static let select = """
        SELECT p.id, p.product, pr.name AS product_name, p.unit_amount, p.currency, p.interval, p.lookup_key,
               p.nickname, p.metadata, p.active, p.created
          FROM stripe_sim.prices p JOIN stripe_sim.products pr ON pr.id = p.product
        """

    init(_ row: PostgresRow) throws {
        id = try row.decode("id")
        product = try row.decode("product")
        productName = try row.decode("product_name")
        unitAmount = try row.decode("unit_amount")
        currency = try row.decode("currency")
        interval = try row.decode("interval")
        lookupKey = try row.decode("lookup_key")
        nickname = try row.decode("nickname")
        metadata = try row.metadata("metadata")
        active = try row.decode("active")
        created = try row.decode("created")
    }

    static func find(_ id: String, in session: PostgresSession) async throws -> SimPrice? {
        try await session.query("\(unescaped: select) WHERE p.id = \(id)").first.map(SimPrice.init)
    }

    static func all(in session: PostgresSession) async throws -> [SimPrice] {
        try await session.query("\(unescaped: select) WHERE p.active ORDER BY p.unit_amount, p.id").map(SimPrice.init)
    }

    /// Gatehouse's plan id (`metadata[plan_id]`), else the product's name.
    var planLabel: String { productName }

    /// `$29.00 / month`.
    var amountLabel: String {
        let dollars = unitAmount / 100, cents = unitAmount % 100
        return "$\(dollars).\(cents < 10 ? "0" : "")\(cents) / \(interval)"
    }

    var json: JSONValue {
        [
            "id": .string(id), "object": "price", "active": .bool(active), "billing_scheme": "per_unit",
            "created": .int(created), "currency": .string(currency), "livemode": false,
            "lookup_key": .nullable(lookupKey), "metadata": .metadata(metadata), "nickname": .nullable(nickname),
            "product": .string(product),
            "recurring": [
                "interval": .string(interval), "interval_count": 1, "meter": nil,
                "usage_type": "licensed", "trial_period_days": nil,
            ],
            "tax_behavior": "unspecified", "tiers_mode": nil, "transform_quantity": nil, "type": "recurring",
            "unit_amount": .int(unitAmount), "unit_amount_decimal": .string(String(unitAmount)),
        ]
    }

    /// The legacy `plan` object Stripe still puts beside `price` on subscription items.
    var planJSON: JSONValue {
        [
            "id": .string(id), "object": "plan", "active": .bool(active), "amount": .int(unitAmount),
            "amount_decimal": .string(String(unitAmount)), "billing_scheme": "per_unit", "created": .int(created),
            "currency": .string(currency), "interval": .string(interval), "interval_count": 1, "livemode": false,
            "metadata": .metadata(metadata), "meter": nil, "nickname": .nullable(nickname), "product": .string(product),
            "tiers_mode": nil, "transform_usage": nil, "trial_period_days": nil, "usage_type": "licensed",
        ]
    }
}
