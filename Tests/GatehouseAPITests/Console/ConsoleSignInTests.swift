import Foundation
import GatehouseTestSupport
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// Signing in and out of the console, its cookies and headers, CSRF, and the mail-link pages.
@Suite("Console: sign-in, sessions, CSRF and mail links", .serialized)
struct ConsoleSignInTests {
    @Test func rootRedirectsToTheConsoleAndPagesCarryTheSecurityHeaders() async throws {
        try await TestApp.run { client in
            var browser = ConsoleBrowser(client)
            var page = try await browser.get("/")
            #expect(page.status == .found)
            #expect(page.location == "/console")
            page = try await browser.get("/console")
            #expect(page.status == .seeOther)
            #expect(page.location == "/console/sign-in")
            page = try await browser.get("/console/keys")
            #expect(page.location == "/console/sign-in")

            // A browser's first console page gives it its CSRF cookie.
            var fresh = ConsoleBrowser(client)
            page = try await fresh.get("/console/sign-in")
            #expect(page.status == .ok)
            let csp = try #require(page.headers[.contentSecurityPolicy])
            #expect(!csp.contains("unsafe-inline"))
            #expect(csp.contains("default-src 'none'"))
            #expect(csp.contains("frame-ancestors 'none'"))
            #expect(page.headers[HTTPField.Name("X-Frame-Options")!] == "DENY")
            #expect(page.headers[.cacheControl] == "no-store")
            // No inline script or style anywhere.
            #expect(!page.html.contains("<style"))
            #expect(page.html.contains("<script src=\"/console/assets/console.js\""))
            #expect(page.html.firstMatch(of: /<script>|style="/) == nil)
            // Every input has a label.
            #expect(page.html.contains("<label for=\"email\">"))
            #expect(page.html.contains("<label for=\"password\">"))
            let csrfCookie = try #require(page.setCookies.first { $0.hasPrefix("gatehouse_csrf=") })
            #expect(csrfCookie.contains("HttpOnly"))
            #expect(csrfCookie.contains("SameSite=Lax"))
            // PUBLIC_URL is http://127.0.0.1: loopback, so not Secure (a browser would drop it on http).
            #expect(!csrfCookie.contains("Secure"))

            page = try await browser.get("/console/assets/console.css")
            #expect(page.status == .ok)
            #expect(page.headers[.contentType]?.hasPrefix("text/css") == true)
        }
    }

    @Test func signInSetsAServerSideSessionThatSignOutEnds() async throws {
        try await TestApp.run { client in
            let owner = try await TestUsers.signUp(client)
            var browser = ConsoleBrowser(client)
            let signedIn = try await browser.signIn(owner.email, owner.password)
            #expect(signedIn.status == .seeOther)
            #expect(signedIn.location == "/console/keys")
            let cookieLine = try #require(signedIn.setCookies.first { $0.hasPrefix("gatehouse_console=") })
            #expect(cookieLine.contains("HttpOnly"))
            #expect(cookieLine.contains("SameSite=Lax"))
            #expect(cookieLine.contains("Path=/"))
            let sessionCookie = try #require(browser.cookies["gatehouse_console"])
            #expect(sessionCookie.hasPrefix(owner.tenantID.uuidString.lowercased() + "."))

            var page = try await browser.get("/console/keys")
            #expect(page.status == .ok)
            #expect(page.html.contains(owner.email))

            page = try await browser.post("/console/sign-out")
            #expect(page.status == .seeOther)
            #expect(browser.cookies["gatehouse_console"] == nil)

            // The old cookie, replayed, is dead on the server side too.
            var replay = ConsoleBrowser(client)
            replay.cookies["gatehouse_console"] = sessionCookie
            page = try await replay.get("/console/keys")
            #expect(page.status == .seeOther)
            #expect(page.location == "/console/sign-in")
        }
    }

    @Test func wrongPasswordIsShownInWordsAndOpensNoSession() async throws {
        try await TestApp.run { client in
            let owner = try await TestUsers.signUp(client)
            var browser = ConsoleBrowser(client)
            let page = try await browser.signIn(owner.email, "not the password")
            #expect(page.status == .unauthorized)
            #expect(page.text.contains("The email or password is not correct."))
            #expect(browser.cookies["gatehouse_console"] == nil)

            let invalid = try await browser.signIn("not-an-email", "whatever")
            #expect(invalid.status == .unprocessableContent)
            // The problem sits beside the field that caused it.
            #expect(invalid.html.contains("id=\"email-error\""))
            #expect(invalid.html.contains("Must be a valid email address"))
        }
    }

    @Test func aFormWithoutItsCSRFTokenIsRefused() async throws {
        try await TestApp.run { client in
            let owner = try await TestUsers.signUp(client)
            var browser = ConsoleBrowser(client)
            try await browser.get("/console/sign-in")
            var page = try await browser.post("/console/sign-in", [("email", owner.email), ("password", owner.password)], csrf: "forged")
            #expect(page.status == .forbidden)
            #expect(browser.cookies["gatehouse_console"] == nil)

            // Signed in, a state-changing form without the token changes nothing.
            try await browser.signIn(owner.email, owner.password)
            page = try await browser.post("/console/keys", [("name", "sneaky"), ("csrf", "")], csrf: "")
            #expect(page.status == .forbidden)
            // A token from another browser's cookie does not fit this browser's cookie.
            var other = ConsoleBrowser(client)
            try await other.get("/console/sign-in")
            page = try await browser.post("/console/keys", [("name", "sneaky")], csrf: other.csrf)
            #expect(page.status == .forbidden)
            let keys = try await client.send(.get, "/api/v2/api-keys", headers: owner.authorization)
            #expect((try keys.json["items"] as? [Any])?.isEmpty == true)
        }
    }

    @Test func theVerificationMailSignsInToTheConsole() async throws {
        try await TestApp.run { client in
            let owner = try await TestUsers.signUp(client)
            let mail = try await TestMail.waitFor(to: owner.email, subject: "Confirm your email address")
            #expect(mail.contains("http://127.0.0.1:8080/auth/verify-email?token="))
            let token = try TestMail.token(in: mail)

            var browser = ConsoleBrowser(client)
            // Opening the link (as a mail scanner would) consumes nothing.
            var page = try await browser.get("/auth/verify-email?token=\(token)")
            #expect(page.status == .ok)
            #expect(page.html.contains("Confirm and sign in"))
            page = try await browser.post("/auth/verify-email", [("token", token)])
            #expect(page.status == .seeOther)
            #expect(page.location == "/console/keys")
            page = try await browser.get("/console/account")
            #expect(page.status == .ok)
            #expect(!page.html.contains("email not verified"))

            // The link works once.
            var again = ConsoleBrowser(client)
            try await again.get("/auth/verify-email?token=\(token)")
            page = try await again.post("/auth/verify-email", [("token", token)])
            #expect(page.status == .unauthorized)
            #expect(page.text.contains("not valid or was already used"))
        }
    }

    @Test func theMagicLinkSignsInToTheConsole() async throws {
        try await TestApp.run { client in
            let owner = try await TestUsers.signUp(client)
            var browser = ConsoleBrowser(client)
            try await browser.get("/console/magic-link")
            var page = try await browser.post("/console/magic-link", [("email", owner.email)])
            #expect(page.status == .ok)
            #expect(page.text.contains("a mail with a link is on its way"))
            // An unknown address gets the same answer.
            let unknown = try await browser.post("/console/magic-link", [("email", TestUsers.uniqueEmail("nobody"))])
            #expect(unknown.text.contains("a mail with a link is on its way"))

            let mail = try await TestMail.waitFor(to: owner.email, subject: "sign-in link")
            #expect(mail.contains("http://127.0.0.1:8080/auth/magic-link?token="))
            let token = try TestMail.token(in: mail)
            page = try await browser.get("/auth/magic-link?token=\(token)")
            #expect(page.status == .ok)
            page = try await browser.post("/auth/magic-link", [("token", token)])
            #expect(page.status == .seeOther)
            #expect(page.location == "/console/keys")
            page = try await browser.get("/console/keys")
            #expect(page.status == .ok)
            #expect(page.html.contains(owner.email))
        }
    }

    @Test func aPasswordResetThroughTheConsoleEndsItsSessions() async throws {
        try await TestApp.run { client in
            let owner = try await TestUsers.signUp(client)
            var signedIn = ConsoleBrowser(client)
            try await signedIn.signIn(owner.email, owner.password)
            #expect(try await signedIn.get("/console/keys").status == .ok)

            var browser = ConsoleBrowser(client)
            try await browser.get("/console/forgot-password")
            try await browser.post("/console/forgot-password", [("email", owner.email)])
            let mail = try await TestMail.waitFor(to: owner.email, subject: "Reset your Gatehouse password")
            #expect(mail.contains("http://127.0.0.1:8080/auth/reset-password?token="))
            let token = try TestMail.token(in: mail)

            var page = try await browser.get("/auth/reset-password?token=\(token)")
            #expect(page.status == .ok)
            #expect(page.html.contains("<label for=\"new_password\">"))
            page = try await browser.post("/auth/reset-password", [("token", token), ("new_password", "short")])
            #expect(page.status == .unprocessableContent)
            #expect(page.html.contains("id=\"new_password-error\""))
            page = try await browser.post("/auth/reset-password", [("token", token), ("new_password", "a brand new passphrase")])
            #expect(page.status == .seeOther)
            #expect(page.location == "/console/sign-in?done=reset")

            // The session opened before the reset is over.
            page = try await signedIn.get("/console/keys")
            #expect(page.location == "/console/sign-in")
            // The new password signs in.
            page = try await browser.signIn(owner.email, "a brand new passphrase")
            #expect(page.location == "/console/keys")
        }
    }
}
