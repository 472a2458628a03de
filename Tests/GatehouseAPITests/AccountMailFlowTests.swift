import Foundation
import GatehouseAuth
import GatehouseStore
import GatehouseTestSupport
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Postgres
import Testing

@Suite("Mail flows: verify email, password reset, magic links, setup-password, profile")
struct AccountMailFlowTests {
    private func withDatabase<T>(_ body: (Database) async throws -> T) async throws -> T {
        let database = Database(pool: try await TestDatabase.appPool(maxConnections: 1))
        defer { Task { await database.pool.shutdown() } }
        return try await body(database)
    }

    @Test func verificationMailIsWrittenByTheFileTransportAndVerifiesOnce() async throws {
        try await TestApp.run { client in
            let user = try await TestUsers.signUp(client)
            let mail = try await TestMail.waitFor(to: user.email, subject: "Confirm your email")
            #expect(mail.contains("From: Gatehouse <no-reply@gatehouse.local>\r\n"))
            #expect(mail.contains("http://127.0.0.1:8080/auth/verify-email?token="))
            let token = try TestMail.token(in: mail)

            // Drained from the outbox: marked sent.
            let unsent = try await withDatabase { database in
                try await database.withTenant(user.tenantID) { db in
                    try await db.query("SELECT count(*) AS n FROM mail_outbox WHERE sent_at IS NULL").first!.decode("n", as: Int.self)
                }
            }
            #expect(unsent == 0)

            // Wrong purpose: a verification token does not reset a password.
            let wrongPurpose = try await client.send(.post, "/api/v2/auth/reset-password", json: ["token": token, "new_password": "another password"])
            #expect(wrongPurpose.status == .unauthorized)

            let verified = try await client.send(.post, "/api/v2/auth/verify-email", json: ["token": token])
            #expect(verified.status == .ok)
            #expect(try verified.json["email_verified"] as? Bool == true)
            let again = try await client.send(.post, "/api/v2/auth/verify-email", json: ["token": token])
            #expect(again.status == .unauthorized)
            #expect(again.errorCode == "unauthorized")
        }
    }

    @Test func resetPasswordEndsAllSessionsAndIsSingleUse() async throws {
        try await TestApp.run { client in
            let user = try await TestUsers.signUp(client)
            let unknown = try await client.send(.post, "/api/v2/auth/forgot-password", json: ["email": TestUsers.uniqueEmail("ghost")])
            #expect(unknown.status == .accepted)
            let forgot = try await client.send(.post, "/api/v2/auth/forgot-password", json: ["email": user.email])
            #expect(forgot.status == .accepted)
            let mail = try await TestMail.waitFor(to: user.email, subject: "Reset your Gatehouse password")
            let token = try TestMail.token(in: mail)

            let short = try await client.send(.post, "/api/v2/auth/reset-password", json: ["token": token, "new_password": "short"])
            #expect(short.status == .unprocessableContent)
            let reset = try await client.send(.post, "/api/v2/auth/reset-password", json: ["token": token, "new_password": "a brand new password"])
            #expect(reset.status == .noContent)

            let me = try await client.send(.get, "/api/v2/auth/me", headers: user.authorization)
            #expect(me.status == .unauthorized)
            let refresh = try await client.send(.post, "/api/v2/auth/refresh", json: ["refresh_token": user.refreshToken])
            #expect(refresh.status == .unauthorized)
            let oldLogin = try await client.send(.post, "/api/v2/auth/login", json: ["email": user.email, "password": user.password])
            #expect(oldLogin.status == .unauthorized)
            let newLogin = try await client.send(.post, "/api/v2/auth/login", json: ["email": user.email, "password": "a brand new password"])
            #expect(newLogin.status == .ok)

            let reuse = try await client.send(.post, "/api/v2/auth/reset-password", json: ["token": token, "new_password": "yet another password"])
            #expect(reuse.status == .unauthorized)
        }
    }

    @Test func expiredResetTokenIsTokenExpired() async throws {
        try await TestApp.run { client in
            let user = try await TestUsers.signUp(client)
            _ = try await client.send(.post, "/api/v2/auth/forgot-password", json: ["email": user.email])
            let token = try TestMail.token(in: try await TestMail.waitFor(to: user.email, subject: "Reset your Gatehouse password"))
            try await withDatabase { database in
                try await database.withTenant(user.tenantID) { db in
                    try await db.execute("UPDATE one_time_tokens SET expires_at = now() - interval '1 second' WHERE purpose = 'reset_password'")
                }
            }
            let response = try await client.send(.post, "/api/v2/auth/reset-password", json: ["token": token, "new_password": "a brand new password"])
            #expect(response.status == .unauthorized)
            #expect(response.errorCode == "token_expired")
            // Nothing changed.
            let login = try await client.send(.post, "/api/v2/auth/login", json: ["email": user.email, "password": user.password])
            #expect(login.status == .ok)
        }
    }

    @Test func magicLinkPageDoesNotConsumeTheTokenAndItsFormSignsInOnce() async throws {
        try await TestApp.run { client in
            let user = try await TestUsers.signUp(client)
            let request = try await client.send(.post, "/api/v2/auth/magic-link/request", json: ["email": user.email])
            #expect(request.status == .accepted)
            let mail = try await TestMail.waitFor(to: user.email, subject: "sign-in link")
            // The mail opens the console's page; the API's own page takes the same token.
            #expect(mail.contains("http://127.0.0.1:8080/auth/magic-link?token="))
            let token = try TestMail.token(in: mail)

            // A mail scanner fetching the page twice burns nothing.
            for _ in 0..<2 {
                let page = try await client.send(.get, "/api/v2/auth/magic-link?token=\(token)")
                #expect(page.status == .ok)
                #expect(page.headers[.contentType]?.hasPrefix("text/html") == true)
                #expect(page.headers[.cacheControl] == "no-store")
                #expect(page.headers[HTTPField.Name("Referrer-Policy")!] == "no-referrer")
                #expect(page.text.contains("<form method=\"post\" action=\"/api/v2/auth/magic-link\">"))
                #expect(page.text.contains("value=\"\(token)\""))
            }
            let escaped = try await client.send(.get, "/api/v2/auth/magic-link?token=%3Cscript%3E")
            #expect(!escaped.text.contains("<script>"))

            let form = try await client.execute(uri: "/api/v2/auth/magic-link", method: .post,
                                                headers: [.contentType: "application/x-www-form-urlencoded"],
                                                body: ByteBuffer(string: "token=\(token)"))
            #expect(form.status == .ok)
            let json = try #require(form.text.firstMatch(of: /<script type="application\/json" id="token-pair">(.*)<\/script>/)?.1)
            let pair = try JSONSerialization.jsonObject(with: Data(json.utf8)) as! [String: Any]
            let access = try #require(pair["access_token"] as? String)
            #expect(try await client.send(.get, "/api/v2/auth/me", headers: [.authorization: "Bearer \(access)"]).status == .ok)

            let twice = try await client.execute(uri: "/api/v2/auth/magic-link", method: .post,
                                                 headers: [.contentType: "application/x-www-form-urlencoded"],
                                                 body: ByteBuffer(string: "token=\(token)"))
            #expect(twice.status == .unauthorized)
            #expect(twice.text.contains("cannot be used"))
            let json2 = try await client.send(.post, "/api/v2/auth/magic-link/verify", json: ["token": token])
            #expect(json2.status == .unauthorized)
        }
    }

    @Test func magicLinkVerifySignsInAPasswordlessUserWhoThenSetsAPassword() async throws {
        try await TestApp.run { client in
            let owner = try await TestUsers.signUp(client)
            let member = try await TestUsers.addUser(role: .member, tenantID: owner.tenantID)
            try await withDatabase { database in
                try await database.withTenant(owner.tenantID) { db in
                    try await db.execute("UPDATE users SET password_hash = NULL WHERE id = \(member.userID)")
                }
            }
            // Without a password, login is the same invalid_credentials.
            let login = try await client.send(.post, "/api/v2/auth/login", json: ["email": member.email, "password": member.password])
            #expect(login.errorCode == "invalid_credentials")

            _ = try await client.send(.post, "/api/v2/auth/magic-link/request", json: ["email": member.email])
            let token = try TestMail.token(in: try await TestMail.waitFor(to: member.email, subject: "sign-in link"))
            let verified = try await client.send(.post, "/api/v2/auth/magic-link/verify", json: ["token": token])
            #expect(verified.status == .ok)
            let user = try #require(try verified.json["user"] as? [String: Any])
            #expect(user["has_password"] as? Bool == false)
            let access = try #require(try verified.json["access_token"] as? String)

            let weak = try await client.send(.post, "/api/v2/auth/setup-password", json: ["password": "short"], headers: [.authorization: "Bearer \(access)"])
            #expect(weak.status == .unprocessableContent)
            let setup = try await client.send(.post, "/api/v2/auth/setup-password", json: ["password": "my first password"], headers: [.authorization: "Bearer \(access)"])
            #expect(setup.status == .noContent)
            let again = try await client.send(.post, "/api/v2/auth/setup-password", json: ["password": "my second password"], headers: [.authorization: "Bearer \(access)"])
            #expect(again.status == .conflict)
            let newLogin = try await client.send(.post, "/api/v2/auth/login", json: ["email": member.email, "password": "my first password"])
            #expect(newLogin.status == .ok)
        }
    }

    @Test func expiredMagicLinkIsTokenExpired() async throws {
        try await TestApp.run { client in
            let user = try await TestUsers.signUp(client)
            _ = try await client.send(.post, "/api/v2/auth/magic-link/request", json: ["email": user.email])
            let token = try TestMail.token(in: try await TestMail.waitFor(to: user.email, subject: "sign-in link"))
            try await withDatabase { database in
                try await database.withTenant(user.tenantID) { db in
                    try await db.execute("UPDATE one_time_tokens SET expires_at = now() - interval '1 second' WHERE purpose = 'magic_link'")
                }
            }
            let response = try await client.send(.post, "/api/v2/auth/magic-link/verify", json: ["token": token])
            #expect(response.errorCode == "token_expired")
            let unknown = try await client.send(.post, "/api/v2/auth/magic-link/verify", json: ["token": OpaqueToken.generate()])
            #expect(unknown.errorCode == "unauthorized")
        }
    }

    @Test func profileCanBeReadAndRenamed() async throws {
        try await TestApp.run { client in
            let user = try await TestUsers.signUp(client)
            let get = try await client.send(.get, "/api/v2/users/me", headers: user.authorization)
            #expect(get.status == .ok)
            #expect(try get.json["full_name"] as? String == "Test Owner")
            let patch = try await client.send(.patch, "/api/v2/users/me", json: ["full_name": "  Ada Lovelace "], headers: user.authorization)
            #expect(patch.status == .ok)
            #expect(try patch.json["full_name"] as? String == "Ada Lovelace")
            let tooLong = try await client.send(.patch, "/api/v2/users/me", json: ["full_name": String(repeating: "a", count: 65)], headers: user.authorization)
            #expect(tooLong.status == .unprocessableContent)
            let empty = try await client.send(.patch, "/api/v2/users/me", json: [:], headers: user.authorization)
            #expect(try empty.json["full_name"] as? String == "Ada Lovelace")
            #expect(try await client.send(.get, "/api/v2/users/me").status == .unauthorized)
        }
    }
}
