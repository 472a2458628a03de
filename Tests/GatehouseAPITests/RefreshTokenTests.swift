import Foundation
import GatehouseAuth
import GatehouseStore
import GatehouseTestSupport
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Postgres
import Testing

@Suite("Refresh tokens: rotation, reuse detection, grace, expiry")
struct RefreshTokenTests {
    private func withDatabase<T>(_ body: (Database) async throws -> T) async throws -> T {
        let database = Database(pool: try await TestDatabase.appPool(maxConnections: 1))
        defer { Task { await database.pool.shutdown() } }
        return try await body(database)
    }

    @Test func reuseAfterTheGraceRevokesTheWholeFamily() async throws {
        try await TestApp.run { client in
            let user = try await TestUsers.signUp(client)
            let first = try await client.send(.post, "/api/v2/auth/refresh", json: ["refresh_token": user.refreshToken])
            #expect(first.status == .ok)
            let successor = try #require(try first.json["refresh_token"] as? String)
            let successorAccess = try #require(try first.json["access_token"] as? String)
            // Pretend the original was used 11 seconds ago (past the 10-second grace).
            try await withDatabase { database in
                try await database.withTenant(user.tenantID) { db in
                    try await db.execute("UPDATE refresh_tokens SET used_at = now() - interval '11 seconds' WHERE token_hash = \(OpaqueToken.hash(user.refreshToken))")
                }
            }
            let reuse = try await client.send(.post, "/api/v2/auth/refresh", json: ["refresh_token": user.refreshToken])
            #expect(reuse.status == .unauthorized)
            #expect(reuse.errorCode == "refresh_token_reused")
            // The whole session is gone: the successor and its access token no longer work.
            let next = try await client.send(.post, "/api/v2/auth/refresh", json: ["refresh_token": successor])
            #expect(next.status == .unauthorized)
            let me = try await client.send(.get, "/api/v2/auth/me", headers: [.authorization: "Bearer \(successorAccess)"])
            #expect(me.status == .unauthorized)
            let reason = try await withDatabase { database in
                try await database.withTenant(user.tenantID) { db in
                    try await db.query("SELECT revoked_reason FROM auth_sessions WHERE user_id = \(user.userID)").first!.decode("revoked_reason", as: String?.self)
                }
            }
            #expect(reason == "refresh_token_reused")
            // The server's revocation is in the tenant's audit log, from the client that presented the token.
            let audited = try await withDatabase { database in
                try await database.withTenant(user.tenantID) { db in
                    try await db.query("""
                        SELECT e.actor_type, e.ip, e.target_type, e.changes->>'reason' AS reason
                          FROM audit_events e JOIN auth_sessions s ON e.target_id = s.id::text
                         WHERE e.action = 'auth_session.revoke' AND s.user_id = \(user.userID)
                        """).map { row in
                        [try row.decode("actor_type", as: String?.self), try row.decode("ip", as: String?.self),
                         try row.decode("target_type", as: String?.self), try row.decode("reason", as: String?.self)]
                    }
                }
            }
            #expect(audited == [["system", "127.0.0.1", "auth_session", "refresh_token_reused"]])
        }
    }

    @Test func concurrentRefreshesInsideTheGraceGetTheSameSuccessor() async throws {
        try await TestApp.run { client in
            let user = try await TestUsers.signUp(client)
            // Four refreshes of the same token at the same moment, on separate connections.
            let responses = try await client.sendConcurrently(4, .post, "/api/v2/auth/refresh", json: ["refresh_token": user.refreshToken])
            #expect(responses.allSatisfy { $0.status == .ok })
            let successors = Set(try responses.map { try #require(try $0.json["refresh_token"] as? String) })
            #expect(successors.count == 1)
            let sa = try #require(successors.first)
            // A third, sequential, inside the grace: still the same successor, and the family is intact.
            let c = try await client.send(.post, "/api/v2/auth/refresh", json: ["refresh_token": user.refreshToken])
            #expect(c.status == .ok)
            #expect(try c.json["refresh_token"] as? String == sa)
            let next = try await client.send(.post, "/api/v2/auth/refresh", json: ["refresh_token": sa])
            #expect(next.status == .ok)
            let count = try await withDatabase { database in
                try await database.withTenant(user.tenantID) { db in
                    try await db.query("SELECT count(*) AS n FROM refresh_tokens").first!.decode("n", as: Int.self)
                }
            }
            #expect(count == 3)  // original, one successor, its successor: no fork
        }
    }

    @Test func theGraceEndsOnceTheSuccessorIsUsed() async throws {
        try await TestApp.run { client in
            let user = try await TestUsers.signUp(client)
            let first = try await client.send(.post, "/api/v2/auth/refresh", json: ["refresh_token": user.refreshToken])
            let successor = try #require(try first.json["refresh_token"] as? String)
            // The legitimate client moves on: the successor is used.
            let second = try await client.send(.post, "/api/v2/auth/refresh", json: ["refresh_token": successor])
            #expect(second.status == .ok)
            let latestAccess = try #require(try second.json["access_token"] as? String)
            // A second holder of the original token, still inside the 10-second grace, gets nothing
            // (before: the used successor again, i.e. a live session) and ends the family.
            let stolen = try await client.send(.post, "/api/v2/auth/refresh", json: ["refresh_token": user.refreshToken])
            #expect(stolen.status == .unauthorized)
            #expect(stolen.errorCode == "refresh_token_reused")
            let me = try await client.send(.get, "/api/v2/auth/me", headers: [.authorization: "Bearer \(latestAccess)"])
            #expect(me.status == .unauthorized)
        }
    }

    @Test func expiredRefreshTokenIsTokenExpired() async throws {
        try await TestApp.run { client in
            let user = try await TestUsers.signUp(client)
            try await withDatabase { database in
                try await database.withTenant(user.tenantID) { db in
                    try await db.execute("UPDATE refresh_tokens SET expires_at = now() - interval '1 second'")
                }
            }
            let response = try await client.send(.post, "/api/v2/auth/refresh", json: ["refresh_token": user.refreshToken])
            #expect(response.status == .unauthorized)
            #expect(response.errorCode == "token_expired")
        }
    }

    @Test func refreshTokensAreStoredOnlyHashed() async throws {
        try await TestApp.run { client in
            let user = try await TestUsers.signUp(client)
            let hashes: [Data] = try await withDatabase { database in
                try await database.withTenant(user.tenantID) { db in
                    try await db.query("SELECT token_hash FROM refresh_tokens").map { try $0.decode("token_hash", as: Data.self) }
                }
            }
            #expect(hashes == [OpaqueToken.hash(user.refreshToken)])
            #expect(Data(base64URLEncoded: user.refreshToken)?.count == 32)
        }
    }
}
