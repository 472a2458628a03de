import Foundation
import GatehouseStore
import GatehouseTestSupport
import HTTPTypes
import HummingbirdTesting
import Postgres
import Testing

/// Customer keys made through the operator API, as a real operator would, for the messaging
/// and settings tests.
enum AdminFixtures {
    struct Key: Sendable {
        let raw: String
        let id: String
        let tenantID: UUID

        /// Headers presenting this key.
        var headers: HTTPFields { [HTTPField.Name("X-API-Key")!: raw, .userAgent: "gatehouse-tests/1.0"] }
    }

    /// A managed key (new tenant unless `tenantID`); `body` adds or overrides fields.
    static func key(
        _ client: any TestClientProtocol, master: String, tenantID: UUID? = nil, _ body: [String: Any] = [:]
    ) async throws -> Key {
        var request: [String: Any] = ["name": "fixture", "type": "standard", "rate_limit_general": 0]
        if let tenantID { request["tenant_id"] = tenantID.uuidString.lowercased() }
        request.merge(body) { $1 }
        let response = try await client.requestJSON(.post, "/api/v2/admin/api-keys", headers: TestMasterKey.headers(master), body: request)
        try #require(response.status == 201, "\(response.text)")
        return try parse(response)
    }

    /// A trial key limited to `numbers`.
    static func trial(
        _ client: any TestClientProtocol, master: String, numbers: [String], _ body: [String: Any] = [:]
    ) async throws -> Key {
        var request: [String: Any] = ["name": "trial fixture", "trial_days": 7, "allowed_numbers": numbers]
        request.merge(body) { $1 }
        let response = try await client.requestJSON(.post, "/api/v2/admin/api-keys/trial", headers: TestMasterKey.headers(master), body: request)
        try #require(response.status == 201, "\(response.text)")
        return try parse(response)
    }

    private static func parse(_ response: TestJSONResponse) throws -> Key {
        let key = try #require(response.object["api_key"] as? [String: Any])
        let raw = try #require(key["key"] as? String)
        let id = try #require(key["id"] as? String)
        return Key(raw: raw, id: id,
                   tenantID: try #require(UUID(uuidString: key["tenant_id"] as? String ?? "")))
    }

    /// Moves a tenant to another plan (as a completed checkout would).
    static func setPlan(_ plan: String, tenantID: UUID, database: Database) async throws {
        try await database.withTenant(tenantID) { session in
            try await session.execute("""
                INSERT INTO subscriptions (tenant_id, plan_id) VALUES (\(tenantID), \(plan))
                ON CONFLICT (tenant_id) DO UPDATE SET plan_id = EXCLUDED.plan_id
                """)
        }
    }

    /// The server role's view of the shared test database.
    static func database() async throws -> Database {
        Database(pool: try await TestDatabase.appPool(maxConnections: 2))
    }
}
