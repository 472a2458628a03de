import Foundation
import GatehouseAPI
import GatehouseCore
import GatehouseStore
import GatehouseTestSupport
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// Keys made by users with JWTs: owners/admins may, members may not; a key remembers its creator
/// and never gets more than the creator holds; both credentials sent must both be valid.
@Suite("API keys: user (JWT) paths")
struct APIKeyUserTests {
    static let apiKey = HTTPField.Name("X-API-Key")!

    static func createBody(_ object: [String: Any]) -> ByteBuffer {
        ByteBuffer(data: try! JSONSerialization.data(withJSONObject: object))
    }

    @Test func ownerCreatesKeysMemberIsForbiddenAndTheCreatorIsRecorded() async throws {
        try await TestApp.run { client in
            let owner = try await TestUsers.signUp(client)
            var headers = owner.authorization
            headers[.contentType] = "application/json"
            let created = try await client.execute(uri: "/api/v2/api-keys", method: .post, headers: headers,
                                                   body: Self.createBody(["name": "from owner", "scopes": ["account:manage", "usage:read"]])) { response in
                #expect(response.status == .created, "\(response.text)")
                return try response.json
            }
            let id = try #require((created["id"] as? String).flatMap(UUID.init(uuidString:)))
            let raw = try #require(created["raw_key"] as? String)

            let database = try await TestKeys.database()
            defer { Task { await database.pool.shutdown() } }
            let creator = try await database.withTenant(owner.tenantID) { session in
                try await session.query("SELECT created_by_user_id FROM api_keys WHERE id = \(id)").first!
                    .decode("created_by_user_id", as: UUID?.self)
            }
            #expect(creator == owner.userID)

            // A key made by that key keeps the human creator, and cannot exceed its scopes.
            try await client.execute(uri: "/api/v2/api-keys", method: .post, headers: [Self.apiKey: raw, .contentType: "application/json"],
                                     body: Self.createBody(["name": "child", "scopes": ["billing:read"]])) { response in
                #expect(response.status == .unprocessableContent)
            }

            let member = try await TestUsers.addUser(role: .member, tenantID: owner.tenantID)
            var memberHeaders = member.authorization
            memberHeaders[.contentType] = "application/json"
            try await client.execute(uri: "/api/v2/api-keys", method: .post, headers: memberHeaders,
                                     body: Self.createBody(["name": "nope", "scopes": []])) { response in
                #expect(response.status == .forbidden)
            }
            try await client.execute(uri: "/api/v2/api-keys", method: .get, headers: member.authorization) { response in
                #expect(response.status == .forbidden)
            }

            let admin = try await TestUsers.addUser(role: .admin, tenantID: owner.tenantID)
            try await client.execute(uri: "/api/v2/api-keys/\(id)", method: .get, headers: admin.authorization) { response in
                #expect(response.status == .ok)
                // A JWT request carries no key limits.
                #expect(response.headers[HTTPField.Name("X-RateLimit-Limit")!] == nil)
            }
            try await client.execute(uri: "/api/v2/api-keys/\(id)", method: .delete, headers: admin.authorization) { response in
                #expect(response.status == .noContent)
            }
            try await client.execute(uri: "/api/v2/api-keys", method: .get, headers: [Self.apiKey: raw]) { response in
                #expect(response.status == .unauthorized)
            }
        }
    }

    @Test func bothCredentialsMustBeValidAndTheKeyIsThenThePrincipal() async throws {
        try await TestApp.run { client in
            let owner = try await TestUsers.signUp(client)
            let key = try await TestKeys.create(tenantID: owner.tenantID, scopes: [.accountManage], rateLimitRPM: 5)
            var both = owner.authorization
            both[Self.apiKey] = key.raw
            try await client.execute(uri: "/api/v2/api-keys", method: .get, headers: both) { response in
                #expect(response.status == .ok)
                #expect(response.headers[HTTPField.Name("X-RateLimit-Limit")!] == "5")
            }
            var badKey = owner.authorization
            badKey[Self.apiKey] = "gk_live_" + String(repeating: "0", count: 64)
            try await client.execute(uri: "/api/v2/api-keys", method: .get, headers: badKey) { response in
                #expect(response.status == .unauthorized)
            }
        }
    }
}
