import GatehouseCore
import Postgres

/// `stripe_sim.products`.
struct SimProduct: Sendable {
    var id: String
    var name: String
    var description: String?
    var metadata: [String: String]
    var active: Bool
    var created: Int64

    init(_ row: PostgresRow) throws {
        id = try row.decode("id")
        name = try row.decode("name")
        description = try row.decode("description")
        metadata = try row.metadata("metadata")
        active = try row.decode("active")
        created = try row.decode("created")
    }

    static func find(_ id: String, in session: PostgresSession) async throws -> SimProduct? {
        try await session.query(
            "SELECT id, name, description, metadata, active, created FROM stripe_sim.products WHERE id = \(id)"
        ).first.map(SimProduct.init)
    }

    var json: JSONValue {
        [
            "id": .string(id), "object": "product", "active": .bool(active), "created": .int(created),
            "default_price": nil, "description": .nullable(description), "images": [], "livemode": false,
            "marketing_features": [], "metadata": .metadata(metadata), "name": .string(name),
            "package_dimensions": nil, "shippable": nil, "statement_descriptor": nil, "tax_code": nil,
            "type": "service", "unit_label": nil, "updated": .int(created), "url": nil,
        ]
    }
}
