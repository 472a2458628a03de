import Foundation
import GatehouseTestSupport
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// Settings (read-only for members, consent ledger with the browser's IP and user agent) and
/// the account page (name, password, sign out everywhere).
@Suite("Console: settings and account", .serialized)
struct ConsoleSettingsAccountTests {
    @Test func aMemberSeesSettingsReadOnlyAndCannotChangeThem() async throws {
        try await TestApp.run { client in
            let owner = try await TestUsers.signUp(client)
            let member = try await TestUsers.addUser(role: .member, tenantID: owner.tenantID)
            var browser = ConsoleBrowser(client)
            try await browser.signIn(member.email, member.password)
            var page = try await browser.get("/console/settings")
            #expect(page.status == .ok)
            #expect(page.html.contains("<fieldset disabled>"))
            #expect(!page.html.contains("Save settings"))
            #expect(page.text.contains("only owners and admins can change them"))
            page = try await browser.post("/console/settings", [("require_approval", "on")])
            #expect(page.status == .forbidden)
            let settings = try await client.send(.get, "/api/v2/tenant/settings", headers: owner.authorization)
            #expect(try settings.json["require_approval"] as? Bool == false)
        }
    }

    @Test func anOwnerChangesSettingsAndConsentIsRecordedWithTheBrowser() async throws {
        try await TestApp.run { client in
            let owner = try await TestUsers.signUp(client)
            var browser = ConsoleBrowser(client)
            try await browser.signIn(owner.email, owner.password)
            var page = try await browser.get("/console/settings")
            #expect(page.text.contains("No consent given or withdrawn yet."))
            #expect(page.html.contains("<label for=\"allowed_numbers\">"))

            page = try await browser.post("/console/settings", [("allowed_numbers", "+5511999999999\r\n12345")])
            #expect(page.status == .unprocessableContent)
            #expect(page.html.contains("id=\"numbers-error\""))
            #expect(page.text.contains("Line 2 must be an E.164 phone number"))

            page = try await browser.post("/console/settings", [
                ("allowed_numbers", "+5511999999999\r\n+5511888888888"), ("require_approval", "on"), ("ai_consent_enabled", "on"),
            ])
            #expect(page.status == .seeOther)
            let settings = try await client.send(.get, "/api/v2/tenant/settings", headers: owner.authorization)
            #expect(try settings.json["allowed_numbers"] as? [String] == ["+5511999999999", "+5511888888888"])
            #expect(try settings.json["require_approval"] as? Bool == true)
            #expect(try settings.json["ai_consent_enabled"] as? Bool == true)
            let consents = try await client.send(.get, "/api/v2/tenant/consents", headers: owner.authorization)
            let items = try #require(try consents.json["items"] as? [[String: Any]])
            #expect(items.count == 1)
            #expect(items.first?["granted"] as? Bool == true)
            #expect(items.first?["ip"] as? String == "127.0.0.1")
            #expect(items.first?["user_agent"] as? String == "ConsoleBrowser/1.0 (tests)")
            #expect(items.first?["user_id"] as? String == owner.userID.uuidString.lowercased())

            page = try await browser.get("/console/settings")
            #expect(page.text.contains("granted"))
            #expect(page.text.contains("ConsoleBrowser/1.0 (tests)"))
        }
    }

    @Test func theAccountPageChangesNameAndPasswordAndSignsOutEverywhere() async throws {
        try await TestApp.run { client in
            let owner = try await TestUsers.signUp(client)
            var browser = ConsoleBrowser(client)
            try await browser.signIn(owner.email, owner.password)
            var other = ConsoleBrowser(client)
            try await other.signIn(owner.email, owner.password)

            try await browser.get("/console/account")
            var page = try await browser.post("/console/account/name", [("full_name", "Ada Lovelace")])
            #expect(page.status == .seeOther)
            page = try await browser.get("/console/account")
            #expect(page.html.contains("value=\"Ada Lovelace\""))
            page = try await browser.post("/console/account/name", [("full_name", "  ")])
            #expect(page.status == .unprocessableContent)
            #expect(page.html.contains("id=\"name-error\""))

            page = try await browser.post("/console/account/password", [("current_password", "wrong"), ("new_password", "another good passphrase")])
            #expect(page.status == .unprocessableContent)
            #expect(page.html.contains("id=\"current-error\""))
            page = try await browser.post("/console/account/password",
                                          [("current_password", owner.password), ("new_password", "another good passphrase")])
            #expect(page.status == .seeOther)
            // This browser stays signed in; the other session and the API session are over.
            #expect(try await browser.get("/console/account").status == .ok)
            #expect(try await other.get("/console/account").location == "/console/sign-in")
            #expect(try await client.send(.get, "/api/v2/auth/me", headers: owner.authorization).status == .unauthorized)

            page = try await browser.post("/console/account/sign-out-everywhere")
            #expect(page.status == .seeOther)
            #expect(try await browser.get("/console/account").location == "/console/sign-in")
            page = try await browser.signIn(owner.email, "another good passphrase")
            #expect(page.location == "/console/keys")
            page = try await browser.post("/console/sign-out")
            #expect(page.status == .seeOther)

            // Each change is in the audit log once, by this user, from this browser.
            let login = try await client.send(.post, "/api/v2/auth/login", json: ["email": owner.email, "password": "another good passphrase"])
            let token = try #require(try login.json["access_token"] as? String)
            for action in ["user.update", "user.password_change", "auth_session.revoke_all", "auth_session.revoke"] {
                let audit = try await client.send(.get, "/api/v2/audit-events?action=\(action)", headers: [.authorization: "Bearer \(token)"])
                let rows = try #require(try audit.json["items"] as? [[String: Any]], "\(action)")
                #expect(rows.count == 1, "\(action): \(rows)")
                #expect(rows.first?["actor_id"] as? String == owner.userID.uuidString.lowercased(), "\(action)")
                #expect(rows.first?["user_agent"] as? String == "ConsoleBrowser/1.0 (tests)", "\(action)")
            }
        }
    }
}
