import GatehouseCore
import Postgres

/// `stripe_sim.billing_portal_sessions`: a link to the simulator's portal page for a customer.
struct SimPortalSession: Sendable {
    var id: String
    var customer: String
    var returnURL: String?
    var created: Int64

    init(id: String, customer: String, returnURL: String?, created: Int64) {
        self.id = id
        self.customer = customer
        self.returnURL = returnURL
        self.created = created
    }

    init(_ row: PostgresRow) throws {
        id = try row.decode("id")
        customer = try row.decode("customer")
        returnURL = try row.decode("return_url")
        created = try row.decode("created")
    }

    static func find(_ id: String, in session: PostgresSession) async throws -> SimPortalSession? {
        try await session.query(
            "SELECT id, customer, return_url, created FROM stripe_sim.billing_portal_sessions WHERE id = \(id)"
        ).first.map(SimPortalSession.init)
    }

    func insert(in session: PostgresSession) async throws {
        try await session.execute("""
            INSERT INTO stripe_sim.billing_portal_sessions (id, customer, return_url, created)
            VALUES (\(id), \(customer), \(returnURL), \(created))
            """)
    }

    func json(pageURL: String) -> JSONValue {
        [
            "id": .string(id), "object": "billing_portal.session", "configuration": "bpc_simulator",
            "created": .int(created), "customer": .string(customer), "flow": nil, "livemode": false, "locale": nil,
            "on_behalf_of": nil, "return_url": .nullable(returnURL), "url": .string(pageURL),
        ]
    }
}
