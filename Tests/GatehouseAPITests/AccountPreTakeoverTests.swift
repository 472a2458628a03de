import Foundation
import GatehouseAPI
import GatehouseAuth
import GatehouseStore
import GatehouseTestSupport
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// Account pre-takeover (issue 8, item 2): an attacker signs up with the victim's address before
/// the victim does. Until the address is verified the account has no key or billing power, and
/// the first proof of ownership (verify link, magic link, reset) undoes what the attacker set up.
@Suite("Accounts: email ownership before account power (pre-takeover)")
struct AccountPreTakeoverTests {
    static let apiKey = HTTPField.Name("X-API-Key")!
    static let allScopes = ["account:manage", "settings:read", "settings:manage", "usage:read", "billing:read",
                            "billing:manage", "sessions:read", "sessions:manage", "messages:send", "keys:verify", "usage:write"]

    /// The test configuration with `REQUIRE_VERIFIED_EMAIL=false` (development mode), where an
    /// unverified account can make keys: the takeover must still revoke them.
    static func withoutVerifiedEmailRule() async throws -> AppConfiguration {
        var configuration = try await TestApp.configuration()
        configuration.requireVerifiedEmail = false
        return configuration
    }

    /// Creates an all-scope key as `user`; returns its id and raw secret.
    static func createKey(_ client: some TestClientProtocol, as user: TestUser) async throws -> (id: String, raw: String) {
        let response = try await client.send(.post, "/api/v2/api-keys", json: ["name": "all of it", "scopes": allScopes],
                                             headers: user.authorization)
        #expect(response.status == .created, "\(response.text)")
        let body = try response.json
        return (try #require(body["id"] as? String), try #require(body["raw_key"] as? String))
    }

    /// What the attacker kept, checked after the victim's proof of ownership: nothing.
    static func expectAttackerLockedOut(_ client: some TestClientProtocol, attacker: TestUser, key: String?) async throws {
        if let key {
            let withKey = try await client.send(.get, "/api/v2/api-keys", headers: [apiKey: key])
            #expect(withKey.status == .unauthorized, "the attacker's key must be revoked")
        }
        let me = try await client.send(.get, "/api/v2/auth/me", headers: attacker.authorization)
        #expect(me.status == .unauthorized, "the attacker's session must end")
        let refresh = try await client.send(.post, "/api/v2/auth/refresh", json: ["refresh_token": attacker.refreshToken])
        #expect(refresh.status == .unauthorized)
        let login = try await client.send(.post, "/api/v2/auth/login", json: ["email": attacker.email, "password": attacker.password])
        #expect(login.errorCode == "invalid_credentials", "the attacker's password must be gone")
    }

    /// One audit row as the tests read it.
    struct Audited {
        var actor: UUID?
        var keysRevoked: String?
        var sessionsRevoked: String?
        var passwordCleared: String?
    }

    static func audit(_ tenantID: UUID, _ action: String) async throws -> [Audited] {
        let database = try await TestKeys.database()
        defer { Task { await database.pool.shutdown() } }
        return try await database.withTenant(tenantID) { db in
            try await db.query("""
                SELECT actor_id, changes->>'api_keys_revoked' AS keys, changes->>'sessions_revoked' AS sessions,
                       changes->>'password_cleared' AS cleared
                  FROM audit_events WHERE action = \(action) ORDER BY created_at
                """).map {
                Audited(actor: try $0.decode("actor_id"), keysRevoked: try $0.decode("keys"),
                        sessionsRevoked: try $0.decode("sessions"), passwordCleared: try $0.decode("cleared"))
            }
        }
    }

    @Test func anUnverifiedAccountMayNotCreateOrRotateKeys() async throws {
        try await TestApp.run { client in
            let owner = try await TestUsers.signUpUnverified(client)
            let create = try await client.send(.post, "/api/v2/api-keys", json: ["name": "too early", "scopes": ["usage:read"]],
                                               headers: owner.authorization)
            #expect(create.status == .forbidden)
            #expect(create.errorCode == "email_not_verified")

            // A key this account made before (while the rule was off) cannot rotate itself or make more keys.
            try await TestUsers.markEmailVerified(owner)
            let key = try await Self.createKey(client, as: owner)
            let database = try await TestKeys.database()
            defer { Task { await database.pool.shutdown() } }
            _ = try await database.withTenant(owner.tenantID) { db in
                try await db.execute("UPDATE users SET email_verified_at = NULL WHERE id = \(owner.userID)")
            }
            let rotate = try await client.send(.post, "/api/v2/api-keys/\(key.id)/rotate", json: [:], headers: owner.authorization)
            #expect(rotate.errorCode == "email_not_verified")
            let rotateByKey = try await client.send(.post, "/api/v2/api-keys/\(key.id)/rotate", json: [:], headers: [Self.apiKey: key.raw])
            #expect(rotateByKey.errorCode == "email_not_verified")
            let createByKey = try await client.send(.post, "/api/v2/api-keys", json: ["name": "child", "scopes": ["usage:read"]],
                                                    headers: [Self.apiKey: key.raw])
            #expect(createByKey.errorCode == "email_not_verified")
            // Reading is not power: still allowed.
            #expect(try await client.send(.get, "/api/v2/api-keys", headers: owner.authorization).status == .ok)
        }
    }

    @Test func theRuleCanBeTurnedOffForDevelopment() async throws {
        try await TestApp.run(try await Self.withoutVerifiedEmailRule()) { client in
            let owner = try await TestUsers.signUpUnverified(client)
            _ = try await Self.createKey(client, as: owner)
        }
    }

    @Test func preTakeoverThenTheVictimSignsInWithAMagicLink() async throws {
        let victimEmail = TestUsers.uniqueEmail("victim")
        // The attacker signs up as the victim: tokens, yes; key power, no.
        let attacker = try await TestApp.run { client in
            let attacker = try await TestUsers.signUpUnverified(client, email: victimEmail, password: "attacker's password")
            let create = try await client.send(.post, "/api/v2/api-keys", json: ["name": "backdoor", "scopes": Self.allScopes],
                                               headers: attacker.authorization)
            #expect(create.errorCode == "email_not_verified")
            return attacker
        }
        // Even where the rule is off, the victim's first sign-in takes everything back.
        try await TestApp.run(try await Self.withoutVerifiedEmailRule()) { client in
            let backdoor = try await Self.createKey(client, as: attacker)
            #expect(try await client.send(.get, "/api/v2/api-keys", headers: [Self.apiKey: backdoor.raw]).status == .ok)

            _ = try await client.send(.post, "/api/v2/auth/magic-link/request", json: ["email": victimEmail])
            let token = try TestMail.token(in: try await TestMail.waitFor(to: victimEmail, subject: "sign-in link"))
            let signedIn = try await client.send(.post, "/api/v2/auth/magic-link/verify", json: ["token": token])
            #expect(signedIn.status == .ok)
            let user = try #require(try signedIn.json["user"] as? [String: Any])
            #expect(user["email_verified"] as? Bool == true)
            #expect(user["has_password"] as? Bool == false)

            try await Self.expectAttackerLockedOut(client, attacker: attacker, key: backdoor.raw)
            let audited = try await Self.audit(attacker.tenantID, "user.email_ownership_proven")
            #expect(audited.map(\.keysRevoked) == ["1"])
            #expect(audited.first?.passwordCleared == "true")
            let victimToken = try #require(try signedIn.json["access_token"] as? String)
            #expect(try await client.send(.get, "/api/v2/auth/me", headers: [.authorization: "Bearer \(victimToken)"]).status == .ok)
        }
    }

    @Test func preTakeoverThenTheVictimResetsThePassword() async throws {
        try await TestApp.run(try await Self.withoutVerifiedEmailRule()) { client in
            let victimEmail = TestUsers.uniqueEmail("victim")
            let attacker = try await TestUsers.signUpUnverified(client, email: victimEmail, password: "attacker's password")
            let backdoor = try await Self.createKey(client, as: attacker)

            _ = try await client.send(.post, "/api/v2/auth/forgot-password", json: ["email": victimEmail])
            let token = try TestMail.token(in: try await TestMail.waitFor(to: victimEmail, subject: "Reset your Gatehouse password"))
            // No revoke_api_keys: a first proof of ownership revokes them anyway.
            let reset = try await client.send(.post, "/api/v2/auth/reset-password", json: ["token": token, "new_password": "the victim's own password"])
            #expect(reset.status == .noContent)

            try await Self.expectAttackerLockedOut(client, attacker: attacker, key: backdoor.raw)
            let login = try await client.send(.post, "/api/v2/auth/login", json: ["email": victimEmail, "password": "the victim's own password"])
            #expect(login.status == .ok)
            #expect((try login.json["user"] as? [String: Any])?["email_verified"] as? Bool == true)
        }
    }

    @Test func preTakeoverThenTheVictimFollowsTheVerificationLink() async throws {
        try await TestApp.run(try await Self.withoutVerifiedEmailRule()) { client in
            let victimEmail = TestUsers.uniqueEmail("victim")
            let attacker = try await TestUsers.signUpUnverified(client, email: victimEmail, password: "attacker's password")
            let backdoor = try await Self.createKey(client, as: attacker)

            // The victim opens the verification mail the attacker's signup sent, without the attacker's session.
            let token = try TestMail.token(in: try await TestMail.waitFor(to: victimEmail, subject: "Confirm your email"))
            let verified = try await client.send(.post, "/api/v2/auth/verify-email", json: ["token": token])
            #expect(verified.status == .ok)
            #expect(try verified.json["has_password"] as? Bool == false)

            try await Self.expectAttackerLockedOut(client, attacker: attacker, key: backdoor.raw)
        }
    }

    @Test func verifyingFromTheBrowserThatSignedUpKeepsTheAccount() async throws {
        try await TestApp.run { client in
            let owner = try await TestUsers.signUpUnverified(client)
            let token = try TestMail.token(in: try await TestMail.waitFor(to: owner.email, subject: "Confirm your email"))
            let bogus = try await client.send(.post, "/api/v2/auth/verify-email", json: ["token": token],
                                              headers: [.authorization: "Bearer not-a-token"])
            #expect(bogus.status == .unauthorized)
            let verified = try await client.send(.post, "/api/v2/auth/verify-email", json: ["token": token], headers: owner.authorization)
            #expect(verified.status == .ok)
            #expect(try verified.json["email_verified"] as? Bool == true)
            #expect(try verified.json["has_password"] as? Bool == true)
            #expect(try await client.send(.get, "/api/v2/auth/me", headers: owner.authorization).status == .ok)
            let login = try await client.send(.post, "/api/v2/auth/login", json: ["email": owner.email, "password": owner.password])
            #expect(login.status == .ok)
            _ = try await Self.createKey(client, as: owner)
        }
    }

    @Test func passwordResetEndsSessionsAndRevokesKeysOnlyWhenAsked() async throws {
        try await TestApp.run { client in
            let owner = try await TestUsers.signUp(client)
            let key = try await Self.createKey(client, as: owner)

            _ = try await client.send(.post, "/api/v2/auth/forgot-password", json: ["email": owner.email])
            let first = try TestMail.token(in: try await TestMail.waitFor(to: owner.email, subject: "Reset your Gatehouse password"))
            #expect(try await client.send(.post, "/api/v2/auth/reset-password", json: ["token": first, "new_password": "second password"]).status == .noContent)
            #expect(try await client.send(.get, "/api/v2/auth/me", headers: owner.authorization).status == .unauthorized)
            #expect(try await client.send(.get, "/api/v2/api-keys", headers: [Self.apiKey: key.raw]).status == .ok)

            _ = try await client.send(.post, "/api/v2/auth/forgot-password", json: ["email": owner.email])
            let second = try TestMail.token(in: try await TestMail.waitFor(to: owner.email, subject: "Reset your Gatehouse password", count: 2))
            let reset = try await client.send(.post, "/api/v2/auth/reset-password",
                                              json: ["token": second, "new_password": "third password", "revoke_api_keys": true])
            #expect(reset.status == .noContent)
            #expect(try await client.send(.get, "/api/v2/api-keys", headers: [Self.apiKey: key.raw]).status == .unauthorized)

            // Both resets are in the audit log, by the user, with what they ended.
            let audited = try await Self.audit(owner.tenantID, "user.password_reset")
            #expect(audited.map(\.actor) == [owner.userID, owner.userID])
            #expect(audited.map(\.keysRevoked) == ["0", "1"])
            // The first reset ended the signup's session; the second found none left.
            #expect(audited.map(\.sessionsRevoked) == ["1", "0"])
        }
    }
}
