import Foundation
import GatehouseAuth
import GatehouseCore
import GatehouseStore
import GatehouseTestSupport
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Postgres
import Testing

@Suite("Auth: signup, login, refresh, me over real HTTP")
struct AuthFlowTests {
    @Test func signupCreatesTenantOwnerFreeSubscriptionAndSignsIn() async throws {
        try await TestApp.run { client in
            let email = TestUsers.uniqueEmail("Signup")
            let user = try await TestUsers.signUpUnverified(client, email: email)
            #expect(user.role == .owner)

            let me = try await client.send(.get, "/api/v2/auth/me", headers: user.authorization)
            #expect(me.status == .ok)
            let body = try me.json
            #expect(body["email"] as? String == email)
            #expect(body["tenant_id"] as? String == user.tenantID.uuidString.lowercased())
            #expect(body["email_verified"] as? Bool == false)
            #expect(body["has_password"] as? Bool == true)

            let database = Database(pool: try await TestDatabase.appPool(maxConnections: 1))
            defer { Task { await database.pool.shutdown() } }
            let (plan, status, settings, hash): (String, String, Int, String) = try await database.withTenant(user.tenantID) { db in
                let sub = try await db.query("SELECT plan_id, status FROM subscriptions").first!
                let settings = try await db.query("SELECT count(*) AS n FROM tenant_settings").first!.decode("n", as: Int.self)
                let hash = try await db.query("SELECT password_hash FROM users WHERE id = \(user.userID)").first!.decode("password_hash", as: String.self)
                return (try sub.decode("plan_id"), try sub.decode("status"), settings, hash)
            }
            #expect(plan == "free")
            #expect(status == "active")
            #expect(settings == 1)
            #expect(hash.hasPrefix("$argon2id$v=19$m=64,t=1,p=1$"))
            #expect(!hash.contains(TestUsers.password))
        }
    }

    @Test func takenEmailIsConflictCaseInsensitively() async throws {
        try await TestApp.run { client in
            let email = TestUsers.uniqueEmail("taken")
            _ = try await TestUsers.signUp(client, email: email)
            let again = try await client.send(.post, "/api/v2/auth/signup", json: [
                "email": email.uppercased(), "password": TestUsers.password, "full_name": "X", "tenant_name": "Y"])
            #expect(again.status == .conflict)
            #expect(again.errorCode == "conflict")
        }
    }

    @Test func signupValidatesFields() async throws {
        try await TestApp.run { client in
            let cases: [([String: Any], String)] = [
                (["email": "not-an-email", "password": TestUsers.password, "full_name": "A", "tenant_name": "B"], "email"),
                (["email": TestUsers.uniqueEmail(), "password": "short", "full_name": "A", "tenant_name": "B"], "password"),
                (["email": TestUsers.uniqueEmail(), "password": String(repeating: "x", count: 129), "full_name": "A", "tenant_name": "B"], "password"),
                (["email": TestUsers.uniqueEmail(), "password": TestUsers.password, "full_name": "", "tenant_name": "B"], "full_name"),
                (["email": TestUsers.uniqueEmail(), "password": TestUsers.password, "full_name": "A", "tenant_name": String(repeating: "t", count: 65)], "tenant_name"),
            ]
            for (body, field) in cases {
                let response = try await client.send(.post, "/api/v2/auth/signup", json: body)
                #expect(response.status == .unprocessableContent, "\(field)")
                let errors = try response.json["errors"] as? [[String: Any]]
                #expect(errors?.first?["field"] as? String == field)
            }
            // Unicode passwords count characters, not bytes: 8 emoji are enough.
            let unicode = try await client.send(.post, "/api/v2/auth/signup", json: [
                "email": TestUsers.uniqueEmail(), "password": "🔑🔑🔑🔑🔑🔑🔑🔑", "full_name": "Ü", "tenant_name": "Ø"])
            #expect(unicode.status == .created)
        }
    }

    @Test func loginWithRightPasswordWrongPasswordAndUnknownEmail() async throws {
        try await TestApp.run { client in
            let user = try await TestUsers.signUp(client)
            let ok = try await client.send(.post, "/api/v2/auth/login", json: ["email": user.email.uppercased(), "password": user.password])
            #expect(ok.status == .ok)
            let pair = try ok.json
            #expect(pair["token_type"] as? String == "bearer")
            #expect(pair["expires_in"] as? Int == 1800)
            #expect((pair["refresh_token"] as? String)?.count == 43)

            let wrong = try await client.send(.post, "/api/v2/auth/login", json: ["email": user.email, "password": "wrong password"])
            let unknown = try await client.send(.post, "/api/v2/auth/login", json: ["email": TestUsers.uniqueEmail("nobody"), "password": "wrong password"])
            for response in [wrong, unknown] {
                #expect(response.status == .unauthorized)
                #expect(response.errorCode == "invalid_credentials")
                #expect(try response.json["detail"] as? String == "The email or password is not correct.")
            }
        }
    }

    @Test func loginRehashesWhenParametersChanged() async throws {
        try await TestApp.run { client in
            let user = try await TestUsers.signUp(client)
            var stronger = try await TestApp.configuration()
            stronger.argon2Parameters = Argon2Parameters(memoryKiB: 128, iterations: 2, parallelism: 1)
            try await TestApp.run(stronger) { client in
                let ok = try await client.send(.post, "/api/v2/auth/login", json: ["email": user.email, "password": user.password])
                #expect(ok.status == .ok)
            }
            let database = Database(pool: try await TestDatabase.appPool(maxConnections: 1))
            defer { Task { await database.pool.shutdown() } }
            let hash = try await database.withTenant(user.tenantID) { db in
                try await db.query("SELECT password_hash FROM users WHERE id = \(user.userID)").first!.decode("password_hash", as: String.self)
            }
            #expect(hash.hasPrefix("$argon2id$v=19$m=128,t=2,p=1$"))
            // Still the same password.
            let again = try await client.send(.post, "/api/v2/auth/login", json: ["email": user.email, "password": user.password])
            #expect(again.status == .ok)
        }
    }

    @Test func refreshRotatesAndTheNewPairWorks() async throws {
        try await TestApp.run { client in
            let user = try await TestUsers.signUp(client)
            let refreshed = try await client.send(.post, "/api/v2/auth/refresh", json: ["refresh_token": user.refreshToken])
            #expect(refreshed.status == .ok)
            let pair = try refreshed.json
            let newRefresh = try #require(pair["refresh_token"] as? String)
            let newAccess = try #require(pair["access_token"] as? String)
            #expect(newRefresh != user.refreshToken)
            let me = try await client.send(.get, "/api/v2/auth/me", headers: [.authorization: "Bearer \(newAccess)"])
            #expect(me.status == .ok)
            // The successor rotates too.
            let next = try await client.send(.post, "/api/v2/auth/refresh", json: ["refresh_token": newRefresh])
            #expect(next.status == .ok)
            let unknown = try await client.send(.post, "/api/v2/auth/refresh", json: ["refresh_token": OpaqueToken.generate()])
            #expect(unknown.status == .unauthorized)
            #expect(unknown.errorCode == "unauthorized")
        }
    }

    @Test func meNeedsAValidBearerToken() async throws {
        try await TestApp.run { client in
            let none = try await client.send(.get, "/api/v2/auth/me")
            #expect(none.status == .unauthorized)
            let garbage = try await client.send(.get, "/api/v2/auth/me", headers: [.authorization: "Bearer not.a.jwt"])
            #expect(garbage.status == .unauthorized)
        }
    }

    @Test func addUserFixtureMintsTokensTheServerAccepts() async throws {
        try await TestApp.run { client in
            let owner = try await TestUsers.signUp(client)
            let member = try await TestUsers.addUser(role: .member, tenantID: owner.tenantID)
            let me = try await client.send(.get, "/api/v2/auth/me", headers: member.authorization)
            #expect(me.status == .ok)
            #expect(try me.json["role"] as? String == "member")
            #expect(try me.json["tenant_id"] as? String == owner.tenantID.uuidString.lowercased())
            let login = try await client.send(.post, "/api/v2/auth/login", json: ["email": member.email, "password": member.password])
            #expect(login.status == .ok)
        }
    }
}
