public import Foundation
public import GatehouseCore
public import GatehouseServices
public import GatehouseStore
public import Hummingbird
public import Logging
import GatehouseAuth
import HTTPTypes
import NIOCore

/// The server-rendered web console under `/console`, and the pages that mail links open
/// (`/auth/verify-email`, `/auth/reset-password`, `/auth/magic-link`). Its pages call the same
/// services and repositories as the JSON API; who may do what is asked of `permits`, which
/// answers from the contract's `x-scopes`/`x-roles` for the API operation a page stands for.
public struct Console: Sendable {
    let accounts: AccountService
    let keys: APIKeyService
    let usage: any UsageLogRepository
    let tenantSettings: any TenantSettingsRepository
    let usageReports: any UsageReportRepository
    /// The tenant's plan, checkout, portal and cancel: the service behind `/billing`.
    let billing: BillingService
    /// The request's client as the API sees it (behind `TRUSTED_PROXIES`, the address
    /// `X-Forwarded-For` names), for throttles, sessions, the consent ledger and audit rows.
    let clientOrigin: @Sendable () -> ClientOrigin
    let permits: @Sendable (_ operationID: String, _ role: Role) -> Bool
    let csrf: CSRFProtection
    /// Cookies are `Secure` unless `PUBLIC_URL` is plain http on a loopback host.
    let secureCookies: Bool
    let templates: ConsoleTemplates
    let logger: Logger

    /// - Parameters:
    ///   - secret: server secret the CSRF tokens are derived from.
    ///   - billing: the billing service the `/billing` operations use.
    ///   - clientOrigin: the current request's client (IP, user agent, request id), as the API
    ///     resolves it.
    ///   - permits: whether a user of `role` may call the API operation `operationID`.
    public init(
        accounts: AccountService, keys: APIKeyService, usage: any UsageLogRepository,
        tenantSettings: any TenantSettingsRepository, usageReports: any UsageReportRepository,
        billing: BillingService, clientOrigin: @escaping @Sendable () -> ClientOrigin, secret: Data,
        permits: @escaping @Sendable (_ operationID: String, _ role: Role) -> Bool,
        logger: Logger
    ) throws {
        self.accounts = accounts
        self.keys = keys
        self.usage = usage
        self.tenantSettings = tenantSettings
        self.usageReports = usageReports
        self.billing = billing
        self.clientOrigin = clientOrigin
        self.permits = permits
        self.csrf = CSRFProtection(secret: secret)
        self.secureCookies = !Self.isLoopbackHTTP(accounts.publicURL)
        self.templates = try ConsoleTemplates()
        self.logger = logger
    }

    /// Largest form the console reads.
    static let maxFormBytes = 64 * 1024

    /// Registers every console route, and `GET /` → `/console`.
    public func register<Context: RemoteAddressRequestContext>(on router: Router<Context>) {
        router.get("/") { _, _ in Response.redirect(to: "/console", type: .found) }
        router.get("/console/assets/console.css") { _, _ in Self.asset(ConsoleStylesheet.css, type: "text/css; charset=utf-8") }
        router.get("/console/assets/console.js") { _, _ in Self.asset(ConsoleScript.javascript, type: "text/javascript; charset=utf-8") }

        route(router, .get, "/console", signedIn: false) { call in
            .redirect(call.user == nil ? "/console/sign-in" : "/console/keys")
        }
        route(router, .get, "/console/sign-in", signedIn: false) { try await signInPage($0) }
        route(router, .post, "/console/sign-in", signedIn: false) { try await signIn($0) }
        route(router, .post, "/console/sign-out", signedIn: false) { try await signOut($0) }
        route(router, .get, "/console/sign-up", signedIn: false) { try await signUpPage($0) }
        route(router, .post, "/console/sign-up", signedIn: false) { try await signUp($0) }
        route(router, .get, "/console/magic-link", signedIn: false) { try await magicLinkRequestPage($0) }
        route(router, .post, "/console/magic-link", signedIn: false) { try await magicLinkRequest($0) }
        route(router, .get, "/console/forgot-password", signedIn: false) { try await forgotPasswordPage($0) }
        route(router, .post, "/console/forgot-password", signedIn: false) { try await forgotPassword($0) }
        route(router, .get, RouterPath(AccountService.LinkPath.verifyEmail), signedIn: false) { try await verifyEmailPage($0) }
        route(router, .post, RouterPath(AccountService.LinkPath.verifyEmail), signedIn: false) { try await verifyEmail($0) }
        route(router, .get, RouterPath(AccountService.LinkPath.resetPassword), signedIn: false) { try await resetPasswordPage($0) }
        route(router, .post, RouterPath(AccountService.LinkPath.resetPassword), signedIn: false) { try await resetPassword($0) }
        route(router, .get, RouterPath(AccountService.LinkPath.magicLink), signedIn: false) { try await magicLinkPage($0) }
        route(router, .post, RouterPath(AccountService.LinkPath.magicLink), signedIn: false) { try await magicLinkSignIn($0) }

        route(router, .get, "/console/keys") { try await keysPage($0) }
        route(router, .get, "/console/keys/new") { try await newKeyPage($0) }
        route(router, .post, "/console/keys") { try await createKey($0) }
        routeWithID(router, .get, "/console/keys/:id") { try await keyDetailPage($0, id: $1) }
        routeWithID(router, .get, "/console/keys/:id/recent") { try await recentCallsFragment($0, id: $1) }
        routeWithID(router, .post, "/console/keys/:id/limits") { try await updateLimits($0, id: $1) }
        routeWithID(router, .get, "/console/keys/:id/revoke") { try await revokeConfirmPage($0, id: $1) }
        routeWithID(router, .post, "/console/keys/:id/revoke") { try await revokeKey($0, id: $1) }
        routeWithID(router, .post, "/console/keys/:id/rotate") { try await rotateKey($0, id: $1) }

        route(router, .get, "/console/usage") { try await usagePage($0) }
        route(router, .get, "/console/usage.csv") { try await usageCSV($0) }
        route(router, .get, "/console/billing") { try await billingPage($0) }
        route(router, .post, "/console/billing/checkout") { try await billingCheckout($0) }
        route(router, .post, "/console/billing/portal") { try await billingPortal($0) }
        route(router, .get, "/console/billing/cancel") { try await billingCancelConfirmPage($0) }
        route(router, .post, "/console/billing/cancel") { try await billingCancel($0) }
        route(router, .get, "/console/settings") { try await settingsPage($0) }
        route(router, .post, "/console/settings") { try await updateSettings($0) }
        route(router, .get, "/console/account") { try await accountPage($0) }
        route(router, .post, "/console/account/name") { try await updateName($0) }
        route(router, .post, "/console/account/password") { try await changePassword($0) }
        route(router, .post, "/console/account/sign-out-everywhere") { try await signOutEverywhere($0) }
    }

    private func route<Context: RemoteAddressRequestContext>(
        _ router: Router<Context>, _ method: HTTPRequest.Method, _ path: RouterPath, signedIn: Bool = true,
        _ page: @escaping @Sendable (ConsoleCall) async throws -> ConsoleResponse
    ) {
        routeWithID(router, method, path, signedIn: signedIn) { call, _ in try await page(call) }
    }

    /// A signed-in page of one key (`:id`).
    private func routeWithID<Context: RemoteAddressRequestContext>(
        _ router: Router<Context>, _ method: HTTPRequest.Method, _ path: RouterPath, signedIn: Bool = true,
        _ page: @escaping @Sendable (ConsoleCall, String) async throws -> ConsoleResponse
    ) {
        router.on(path, method: method) { request, context in
            try await serve(request, context: context, method: method, signedIn: signedIn) { call in
                try await page(call, context.parameters.get("id") ?? "")
            }
        }
    }

    /// Builds the call (cookies, form, session, CSRF), runs the page, and turns what it answers,
    /// or the problem it throws, into the response with the console's security headers.
    private func serve<Context: RemoteAddressRequestContext>(
        _ request: Request, context: Context, method: HTTPRequest.Method, signedIn: Bool,
        _ page: (ConsoleCall) async throws -> ConsoleResponse
    ) async throws -> Response {
        let existingCSRF = request.cookies[CSRFProtection.cookieName]?.value.nilIfEmpty
        let csrfCookie = existingCSRF ?? OpaqueToken.generate()
        var form = FormFields("")
        if method == .post {
            guard let body = try? await request.body.collect(upTo: Self.maxFormBytes) else {
                return Response(status: .contentTooLarge, headers: [.contentType: "text/plain; charset=utf-8"],
                                body: .init(byteBuffer: ByteBuffer(string: "The form is too large.")))
            }
            form = FormFields(String(buffer: body))
        }
        var call = ConsoleCall(
            path: request.uri.path, query: FormFields(request.uri.query ?? ""), form: form, client: clientOrigin(),
            user: nil, session: nil, csrfCookie: csrfCookie, csrfToken: csrf.token(for: csrfCookie))

        var outcome: ConsoleResponse
        do {
            if let value = request.cookies[ConsoleCookie.name]?.value, let cookie = ConsoleCookie(value: value),
               let user = try await accounts.accounts.consoleSessionUser(
                   sessionID: cookie.sessionID, tenantID: cookie.tenantID,
                   secretHash: OpaqueToken.hash(cookie.secret), maxAge: ConsoleCookie.maxAge) {
                call.user = user
                call.session = cookie
            }
            if method == .post, !csrf.isValid(form[CSRFProtection.fieldName], cookie: existingCSRF) {
                outcome = .page(templates.page("message", title: "Form expired", call: call, [
                    "heading": "This form has expired",
                    "text": "For your safety the form could not be accepted (its security token did not match). Go back, reload the page and try again.",
                    "link": ["href": call.user == nil ? "/console/sign-in" : "/console/keys", "label": "Continue"],
                ]), status: 403)
            } else if let field = form.nulField ?? call.query.nulField {
                throw GatehouseError.validation(field, "must not contain the NUL character (U+0000)")
            } else if signedIn, call.user == nil {
                outcome = .redirect("/console/sign-in")
            } else {
                outcome = try await page(call)
            }
        } catch let error as GatehouseError {
            outcome = problemPage(error, call: call)
        } catch {
            logger.error("console page failed", metadata: ["error": "\(String(reflecting: error))", "path": "\(call.path)"])
            outcome = .page(templates.page("message", title: "Something went wrong", call: call, [
                "heading": "Something went wrong",
                "text": "The page could not be shown. Try again in a moment.",
            ]), status: 500)
        }
        return respond(outcome, call: call, newCSRFCookie: existingCSRF == nil)
    }

    /// A problem the page did not handle itself, as a page.
    private func problemPage(_ error: GatehouseError, call: ConsoleCall) -> ConsoleResponse {
        let (heading, text): (String, String) = switch error.code {
        case .notFound: ("Not found", "\(error.detail) It may have been removed, or it belongs to another account.")
        case .forbidden, .insufficientScope: ("Not allowed", "Your role does not allow this. Ask an owner or admin of your account.")
        case .unauthorized: ("Please sign in", error.detail)
        default: (error.code.title, error.detail)
        }
        return .page(templates.page("message", title: heading, call: call, [
            "heading": heading, "text": text,
            "link": ["href": call.user == nil ? "/console/sign-in" : "/console/keys", "label": "Continue"],
        ]), status: error.code.status)
    }

    private func respond(_ outcome: ConsoleResponse, call: ConsoleCall, newCSRFCookie: Bool) -> Response {
        var headers: HTTPFields = [
            .contentSecurityPolicy: Self.contentSecurityPolicy(formActions: outcome.formActions),
            HTTPField.Name("X-Frame-Options")!: "DENY",
            HTTPField.Name("X-Content-Type-Options")!: "nosniff",
            HTTPField.Name("Referrer-Policy")!: "no-referrer",
            .cacheControl: "no-store",
        ]
        var body = ByteBuffer()
        switch outcome.body {
        case .html(let html):
            headers[.contentType] = "text/html; charset=utf-8"
            body = ByteBuffer(string: html)
        case .redirect(let location):
            headers[.location] = location
        case .text(let text, let contentType, let filename):
            headers[.contentType] = contentType
            if let filename { headers[.contentDisposition] = "attachment; filename=\"\(filename)\"" }
            body = ByteBuffer(string: text)
        }
        var response = Response(status: .init(code: outcome.status), headers: headers, body: .init(byteBuffer: body))
        if newCSRFCookie {
            response.setCookie(Cookie(name: CSRFProtection.cookieName, value: call.csrfCookie, path: "/",
                                      secure: secureCookies, httpOnly: true, sameSite: .lax))
        }
        switch outcome.sessionCookie {
        case .set(let cookie)?:
            response.setCookie(Cookie(name: ConsoleCookie.name, value: cookie.value, maxAge: Int(ConsoleCookie.maxAge), path: "/",
                                      secure: secureCookies, httpOnly: true, sameSite: .lax))
        case .clear?:
            response.setCookie(Cookie(name: ConsoleCookie.name, value: "", maxAge: 0, path: "/",
                                      secure: secureCookies, httpOnly: true, sameSite: .lax))
        case nil:
            break
        }
        return response
    }

    /// No inline script or style, nothing from elsewhere; forms post to the console only, plus
    /// `formActions` where a page's forms are answered with a redirect to another site.
    static func contentSecurityPolicy(formActions: [String] = []) -> String {
        let actions = (["'self'"] + formActions).joined(separator: " ")
        return "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; connect-src 'self'; form-action \(actions); frame-ancestors 'none'; base-uri 'none'"
    }

    private static func asset(_ text: String, type: String) -> Response {
        Response(status: .ok, headers: [.contentType: type, .cacheControl: "public, max-age=300",
                                        HTTPField.Name("X-Content-Type-Options")!: "nosniff"],
                 body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func isLoopbackHTTP(_ url: String) -> Bool {
        guard let components = URLComponents(string: url), components.scheme == "http", let host = components.host else { return false }
        return host == "localhost" || host.hasPrefix("127.") || host == "::1" || host == "[::1]"
    }
}

extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}
