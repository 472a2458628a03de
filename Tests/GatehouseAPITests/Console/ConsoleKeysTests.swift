import Foundation
import GatehouseCore
import GatehouseStore
import GatehouseTestSupport
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// The keys pages: list, create (raw key once), key detail with its activity, limits editor,
/// rotate and revoke; tenant isolation and roles.
@Suite("Console: API keys", .serialized)
struct ConsoleKeysTests {
    /// Creates a key through the console form; returns its id and raw value.
    static func createKey(_ browser: inout ConsoleBrowser, _ fields: [(String, String)]) async throws -> (id: String, raw: String) {
        try await browser.get("/console/keys/new")
        let page = try await browser.post("/console/keys", fields)
        guard page.status == .created, let raw = page.rawKey,
              let id = page.html.firstMatch(of: /href="\/console\/keys\/([0-9a-f-]{36})"/).map({ String($0.1) }) else {
            throw TestUsers.FixtureError(description: "key not created: \(page.status) \(page.text)")
        }
        return (id, raw)
    }

    @Test func anEmptyListSaysWhatToDoThenACreatedKeyIsShownOnceAndWorks() async throws {
        try await TestApp.run { client in
            let owner = try await TestUsers.signUp(client)
            var browser = ConsoleBrowser(client)
            try await browser.signIn(owner.email, owner.password)
            var page = try await browser.get("/console/keys")
            #expect(page.text.contains("No keys yet."))
            #expect(page.html.contains("href=\"/console/keys/new\""))

            page = try await browser.get("/console/keys/new")
            // The scopes offered are the ones the user holds (an owner: all of them).
            for scope in Scope.allCases { #expect(page.html.contains("value=\"\(scope.rawValue)\"")) }

            let key = try await Self.createKey(&browser, [
                ("name", "ci-runner"), ("scopes", "settings:read"), ("scopes", "usage:read"),
                ("rate_limit_rpm", "120"), ("spend_limit", "5"), ("spend_period", "day"), ("expires_in_days", "30"),
            ])
            #expect(key.raw.hasPrefix("gk_live_"))
            // The raw key works with the API.
            let settings = try await client.send(.get, "/api/v2/tenant/settings", headers: [HTTPField.Name("X-API-Key")!: key.raw])
            #expect(settings.status == .ok)

            // The list shows the key without its secret.
            page = try await browser.get("/console/keys")
            #expect(page.status == .ok)
            #expect(page.html.contains("ci-runner"))
            #expect(page.html.contains(String(key.raw.prefix(12))))
            #expect(!page.html.contains(key.raw))
            #expect(page.html.contains("120/min"))
            #expect(page.html.contains("settings:read"))
            #expect(page.text.contains("Active"))
            // The change is in the audit log, made by the signed-in user from this browser.
            let audit = try await client.send(.get, "/api/v2/audit-events?action=api_key.create", headers: owner.authorization)
            let event = try #require((try audit.json["items"] as? [[String: Any]])?.first)
            #expect(event["actor_type"] as? String == "user")
            #expect(event["actor_id"] as? String == owner.userID.uuidString.lowercased())
            #expect(event["user_agent"] as? String == "ConsoleBrowser/1.0 (tests)")
            // The detail page shows it again nowhere either.
            page = try await browser.get("/console/keys/\(key.id)")
            #expect(page.status == .ok)
            #expect(!page.html.contains(key.raw))
        }
    }

    @Test func invalidInputIsShownBesideTheFieldAndCreatesNothing() async throws {
        try await TestApp.run { client in
            let owner = try await TestUsers.signUp(client)
            var browser = ConsoleBrowser(client)
            try await browser.signIn(owner.email, owner.password)
            try await browser.get("/console/keys/new")
            var page = try await browser.post("/console/keys", [("name", ""), ("rate_limit_rpm", "60")])
            #expect(page.status == .unprocessableContent)
            #expect(page.html.contains("id=\"name-error\""))
            #expect(page.text.contains("Must be 1 to 64 characters."))
            page = try await browser.post("/console/keys", [("name", "x"), ("spend_limit", "1.1234567")])
            #expect(page.status == .unprocessableContent)
            #expect(page.text.contains("at most 6 decimals"))
            // The form keeps what was typed.
            #expect(page.html.contains("value=\"1.1234567\""))
            page = try await browser.post("/console/keys", [("name", "x"), ("rate_limit_rpm", "-1")])
            #expect(page.text.contains("Must be between 0 (no cap) and 1000000."))
            // PostgreSQL text cannot hold NUL: refused before anything reaches the database.
            page = try await browser.post("/console/keys", [("name", "nul\u{0}name")])
            #expect(page.status == .unprocessableContent)
            #expect(page.text.contains("NUL"))
            let keys = try await client.send(.get, "/api/v2/api-keys", headers: owner.authorization)
            #expect((try keys.json["items"] as? [Any])?.isEmpty == true)
        }
    }

    @Test func anotherTenantsKeyIsANotFoundPage() async throws {
        try await TestApp.run { client in
            let owner = try await TestUsers.signUp(client)
            let stranger = try await TestUsers.signUp(client)
            var browser = ConsoleBrowser(client)
            try await browser.signIn(owner.email, owner.password)
            let key = try await Self.createKey(&browser, [("name", "mine")])

            var other = ConsoleBrowser(client)
            try await other.signIn(stranger.email, stranger.password)
            for path in ["/console/keys/\(key.id)", "/console/keys/\(key.id)/recent", "/console/keys/\(key.id)/revoke",
                         "/console/keys/not-a-uuid"] {
                let page = try await other.get(path)
                #expect(page.status == .notFound, "\(path)")
                #expect(page.text.contains("Not found"), "\(path)")
            }
            for path in ["/console/keys/\(key.id)/revoke", "/console/keys/\(key.id)/rotate", "/console/keys/\(key.id)/limits"] {
                let page = try await other.post(path, [("rate_limit_rpm", "1"), ("grace_seconds", "0")])
                #expect(page.status == .notFound, "\(path)")
            }
            // Still working, unchanged.
            let api = try await client.send(.get, "/api/v2/api-keys/\(key.id)", headers: owner.authorization)
            #expect(try api.json["rate_limit_rpm"] as? Int == 60)
            #expect(try api.json["revoked_at"] == nil)
        }
    }

    @Test func aMemberSeesNoKeysAndCannotCreateOne() async throws {
        try await TestApp.run { client in
            let owner = try await TestUsers.signUp(client)
            let member = try await TestUsers.addUser(role: .member, tenantID: owner.tenantID)
            var browser = ConsoleBrowser(client)
            try await browser.signIn(member.email, member.password)
            var page = try await browser.get("/console/keys")
            #expect(page.status == .ok)
            #expect(page.text.contains("Only owners and admins manage API keys."))
            page = try await browser.get("/console/keys/new")
            #expect(page.status == .forbidden)
            page = try await browser.post("/console/keys", [("name", "member key")])
            #expect(page.status == .forbidden)
        }
    }

    @Test func theKeyPageShowsActivityAndTheEditorChangesLimits() async throws {
        try await TestApp.run { client in
            let owner = try await TestUsers.signUp(client)
            var browser = ConsoleBrowser(client)
            try await browser.signIn(owner.email, owner.password)
            let key = try await Self.createKey(&browser, [
                ("name", "worker"), ("scopes", "settings:read"), ("spend_limit", "10"), ("spend_period", "month"),
            ])
            var page = try await browser.get("/console/keys/\(key.id)")
            #expect(page.text.contains("No calls yet."))
            #expect(page.html.contains("data-progress=\"0.0\""))

            let headers: HTTPFields = [HTTPField.Name("X-API-Key")!: key.raw]
            for _ in 0..<3 {
                #expect(try await client.send(.get, "/api/v2/tenant/settings", headers: headers).status == .ok)
            }
            // One call refused for its scope: decided before the key is charged, so not logged.
            #expect(try await client.send(.get, "/api/v2/api-keys", headers: headers).status == .forbidden)

            // The usage log is written in batches: wait until the calls show.
            var fragment = try await browser.get("/console/keys/\(key.id)/recent")
            for _ in 0..<100 where fragment.html.components(separatedBy: "<tr><td>").count - 1 < 3 {
                try await Task.sleep(for: .milliseconds(100))
                fragment = try await browser.get("/console/keys/\(key.id)/recent")
            }
            #expect(fragment.html.contains("GET /api/v2/tenant/settings"))
            #expect(fragment.html.contains("class=\"code s2\">200"))
            #expect(!fragment.html.contains("class=\"code s4\">403"))

            page = try await browser.get("/console/keys/\(key.id)")
            #expect(page.status == .ok)
            #expect(page.html.contains("data-window=\"all\""))
            #expect(page.html.contains("<p class=\"big\" data-stat=\"calls\">3 <span class=\"unit\">calls</span></p>"))
            #expect(page.html.contains("<svg viewBox=\"0 0 600.0 160.0\""))
            #expect(page.html.contains("<code>GET /api/v2/tenant/settings</code></td><td>3</td>"))
            #expect(page.text.contains("of 10.00 used"))

            // The limits editor.
            page = try await browser.post("/console/keys/\(key.id)/limits",
                                          [("rate_limit_rpm", "7"), ("spend_limit", "2.5"), ("spend_period", "day")])
            #expect(page.status == .seeOther)
            let api = try await client.send(.get, "/api/v2/api-keys/\(key.id)", headers: owner.authorization)
            #expect(try api.json["rate_limit_rpm"] as? Int == 7)
            #expect(try api.json["spend_limit"] as? String == "2.500000")
            #expect(try api.json["spend_period"] as? String == "day")
            page = try await browser.post("/console/keys/\(key.id)/limits", [("rate_limit_rpm", "lots")])
            #expect(page.status == .unprocessableContent)
            #expect(page.text.contains("Must be a whole number."))
            // Removing the cap.
            page = try await browser.post("/console/keys/\(key.id)/limits", [("rate_limit_rpm", "7"), ("spend_limit", ""), ("spend_period", "day")])
            let uncapped = try await client.send(.get, "/api/v2/api-keys/\(key.id)", headers: owner.authorization)
            #expect(try uncapped.json["spend_limit"] == nil)
        }
    }

    @Test func revokeAsksFirstThenTheKeyIsRefused() async throws {
        try await TestApp.run { client in
            let owner = try await TestUsers.signUp(client)
            var browser = ConsoleBrowser(client)
            try await browser.signIn(owner.email, owner.password)
            let key = try await Self.createKey(&browser, [("name", "leaky"), ("scopes", "settings:read")])
            let headers: HTTPFields = [HTTPField.Name("X-API-Key")!: key.raw]
            #expect(try await client.send(.get, "/api/v2/tenant/settings", headers: headers).status == .ok)

            var page = try await browser.get("/console/keys/\(key.id)/revoke")
            #expect(page.status == .ok)
            #expect(page.text.contains("Revoke “leaky”?"))
            page = try await browser.post("/console/keys/\(key.id)/revoke")
            #expect(page.status == .seeOther)
            #expect(try await client.send(.get, "/api/v2/tenant/settings", headers: headers).status == .unauthorized)
            page = try await browser.get("/console/keys")
            #expect(page.text.contains("Revoked"))
        }
    }

    @Test func rotateShowsTheNewSecretOnceAndTheOldOneStopsAfterTheGrace() async throws {
        try await TestApp.run { client in
            let owner = try await TestUsers.signUp(client)
            var browser = ConsoleBrowser(client)
            try await browser.signIn(owner.email, owner.password)
            let key = try await Self.createKey(&browser, [("name", "rotating"), ("scopes", "settings:read")])
            try await browser.get("/console/keys/\(key.id)")
            let page = try await browser.post("/console/keys/\(key.id)/rotate", [("grace_seconds", "0")])
            #expect(page.status == .created)
            let fresh = try #require(page.rawKey)
            #expect(fresh != key.raw)
            let old: HTTPFields = [HTTPField.Name("X-API-Key")!: key.raw]
            let new: HTTPFields = [HTTPField.Name("X-API-Key")!: fresh]
            #expect(try await client.send(.get, "/api/v2/tenant/settings", headers: old).status == .unauthorized)
            #expect(try await client.send(.get, "/api/v2/tenant/settings", headers: new).status == .ok)
            let bad = try await browser.post("/console/keys/\(key.id)/rotate", [("grace_seconds", "9999999")])
            #expect(bad.status == .unprocessableContent)
        }
    }

    /// The API's verified-email rule (403 `email_not_verified` there) holds in the console: an
    /// unverified account is told why beside the form, and no key is made or rotated.
    @Test func anUnverifiedAccountCannotCreateOrRotateKeys() async throws {
        try await TestApp.run { client in
            let owner = try await TestUsers.signUpUnverified(client)
            var browser = ConsoleBrowser(client)
            try await browser.signIn(owner.email, owner.password)
            var page = try await browser.get("/console/keys/new")
            #expect(page.status == .ok)
            #expect(page.text.contains("Verify your email address first"))
            page = try await browser.post("/console/keys", [("name", "too-early"), ("scopes", "usage:read")])
            #expect(page.status == .forbidden)
            #expect(page.html.contains("role=\"alert\">Verify your email address first"))
            #expect(page.rawKey == nil)
            // The form is still there, with what was typed.
            #expect(page.html.contains("value=\"too-early\""))
            var keys = try await client.send(.get, "/api/v2/api-keys", headers: owner.authorization)
            #expect((try keys.json["items"] as? [Any])?.isEmpty == true)

            // Verified, a key is made; unverified again (as after an address change), it is not rotated.
            try await TestUsers.markEmailVerified(owner)
            let key = try await Self.createKey(&browser, [("name", "ci")])
            let before = try await client.send(.get, "/api/v2/api-keys/\(key.id)", headers: owner.authorization)
            let database = Database(pool: try await TestDatabase.appPool(maxConnections: 1))
            _ = try await database.withTenant(owner.tenantID) { db in
                try await db.execute("UPDATE users SET email_verified_at = NULL WHERE id = \(owner.userID)")
            }
            await database.pool.shutdown()
            try await browser.get("/console/keys/\(key.id)")
            page = try await browser.post("/console/keys/\(key.id)/rotate", [("grace_seconds", "0")])
            #expect(page.status == .forbidden)
            #expect(page.html.contains("role=\"alert\">Verify your email address first"))
            #expect(page.rawKey == nil)
            let after = try await client.send(.get, "/api/v2/api-keys/\(key.id)", headers: owner.authorization)
            #expect(try after.json["key_prefix"] as? String == (try before.json["key_prefix"] as? String))
            keys = try await client.send(.get, "/api/v2/api-keys", headers: owner.authorization)
            #expect((try keys.json["items"] as? [Any])?.count == 1)
        }
    }
}
