import GatehouseCore
import Postgres

/// `stripe_sim.test_clocks`: simulated time for the customers attached to it.
struct SimTestClock: Sendable {
    var id: String
    var name: String?
    var frozenTime: Int64
    var status: String
    var created: Int64
    var deleted: Bool

    static let columns = "id, name, frozen_time, status, created, deleted"

    init(id: String, name: String?, frozenTime: Int64, created: Int64) {
        self.id = id
        self.name = name
        self.frozenTime = frozenTime
        self.status = "ready"
        self.created = created
        self.deleted = false
    }

    init(_ row: PostgresRow) throws {
        id = try row.decode("id")
        name = try row.decode("name")
        frozenTime = try row.decode("frozen_time")
        status = try row.decode("status")
        created = try row.decode("created")
        deleted = try row.decode("deleted")
    }

    static func find(_ id: String, in session: PostgresSession, forUpdate: Bool = false) async throws -> SimTestClock? {
        try await session.query(
            "SELECT \(unescaped: columns) FROM stripe_sim.test_clocks WHERE id = \(id) AND NOT deleted \(unescaped: forUpdate ? "FOR UPDATE" : "")"
        ).first.map(SimTestClock.init)
    }

    func insert(in session: PostgresSession) async throws {
        try await session.execute("""
            INSERT INTO stripe_sim.test_clocks (id, name, frozen_time, status, created)
            VALUES (\(id), \(name), \(frozenTime), \(status), \(created))
            """)
    }

    func save(in session: PostgresSession) async throws {
        try await session.execute(
            "UPDATE stripe_sim.test_clocks SET frozen_time = \(frozenTime), status = \(status), deleted = \(deleted) WHERE id = \(id)")
    }

    var json: JSONValue {
        if deleted { return ["id": .string(id), "object": "test_helpers.test_clock", "deleted": true] }
        return [
            "id": .string(id), "object": "test_helpers.test_clock", "created": .int(created),
            "deletes_after": .int(created + 30 * 86_400), "frozen_time": .int(frozenTime), "livemode": false,
            "name": .nullable(name), "status": .string(status), "status_details": [:],
        ]
    }
}
