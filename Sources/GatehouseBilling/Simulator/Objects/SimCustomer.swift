import GatehouseCore
import Postgres

/// `stripe_sim.customers`, with the default card reduced to what the simulator needs.
struct SimCustomer: Sendable {
    var id: String
    var email: String?
    var name: String?
    var description: String?
    var metadata: [String: String]
    var testClock: String?
    var cardLast4: String?
    /// Charging the card fails (test card 4000 0000 0000 0341).
    var cardDeclines: Bool
    var deleted: Bool
    var created: Int64

    static let columns = "id, email, name, description, metadata, test_clock, card_last4, card_declines, deleted, created"

    init(id: String, email: String?, name: String?, description: String?, metadata: [String: String],
         testClock: String?, created: Int64) {
        self.id = id
        self.email = email
        self.name = name
        self.description = description
        self.metadata = metadata
        self.testClock = testClock
        self.cardLast4 = nil
        self.cardDeclines = false
        self.deleted = false
        self.created = created
    }

    init(_ row: PostgresRow) throws {
        id = try row.decode("id")
        email = try row.decode("email")
        name = try row.decode("name")
        description = try row.decode("description")
        metadata = try row.metadata("metadata")
        testClock = try row.decode("test_clock")
        cardLast4 = try row.decode("card_last4")
        cardDeclines = try row.decode("card_declines")
        deleted = try row.decode("deleted")
        created = try row.decode("created")
    }

    static func find(_ id: String, in session: PostgresSession, forUpdate: Bool = false) async throws -> SimCustomer? {
        try await session.query(
            "SELECT \(unescaped: columns) FROM stripe_sim.customers WHERE id = \(id) \(unescaped: forUpdate ? "FOR UPDATE" : "")"
        ).first.map(SimCustomer.init)
    }

    func insert(in session: PostgresSession) async throws {
        try await session.execute("""
            INSERT INTO stripe_sim.customers (id, email, name, description, metadata, test_clock, card_last4, card_declines, created)
            VALUES (\(id), \(email), \(name), \(description), \(PostgresJSON(metadata: metadata)), \(testClock),
                    \(cardLast4), \(cardDeclines), \(created))
            """)
    }

    func save(in session: PostgresSession) async throws {
        try await session.execute("""
            UPDATE stripe_sim.customers
               SET email = \(email), name = \(name), description = \(description),
                   metadata = \(PostgresJSON(metadata: metadata)), card_last4 = \(cardLast4),
                   card_declines = \(cardDeclines), deleted = \(deleted)
             WHERE id = \(id)
            """)
    }

    /// Whether a charge on the default card succeeds.
    var canBeCharged: Bool { cardLast4 != nil && !cardDeclines }

    var json: JSONValue {
        if deleted { return ["id": .string(id), "object": "customer", "deleted": true] }
        return [
            "id": .string(id), "object": "customer",
            "address": nil, "balance": 0, "created": .int(created), "currency": "usd", "default_source": nil,
            "delinquent": false, "description": .nullable(description), "discount": nil, "email": .nullable(email),
            "invoice_prefix": .string(String(id.suffix(8)).uppercased()),
            "invoice_settings": [
                "custom_fields": nil,
                "default_payment_method": .nullable(cardLast4.map { "pm_card_\($0)" }),
                "footer": nil, "rendering_options": nil,
            ],
            "livemode": false, "metadata": .metadata(metadata), "name": .nullable(name), "next_invoice_sequence": 1,
            "phone": nil, "preferred_locales": [], "shipping": nil, "tax_exempt": "none",
            "test_clock": .nullable(testClock),
        ]
    }
}
