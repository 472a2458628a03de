import Foundation
import GatehouseAuth
import GatehouseCore
import GatehouseServices
import GatehouseStore

/// Signing in and out: password, magic link, the mail-link pages, forgot and reset password.
extension Console {
    func signInPage(_ call: ConsoleCall) async throws -> ConsoleResponse {
        if call.user != nil { return .redirect("/console/keys") }
        let notice: String? = switch call.query["done"] {
        case "reset": "Your password was changed. Sign in with the new one."
        case "signed-out": "You are signed out."
        case "subscribed": "Thank you for subscribing. Once the payment is confirmed we mail you a link that signs you in (valid for 15 minutes)."
        case "checkout-canceled": "The checkout was canceled; nothing was charged and no account was made."
        default: nil
        }
        return .page(templates.page("signIn", title: "Sign in", call: call, notice: notice))
    }

    func signIn(_ call: ConsoleCall) async throws -> ConsoleResponse {
        let email = call.form["email"] ?? ""
        let secret = OpaqueToken.generate()
        do {
            let (user, sessionID) = try await accounts.logIn(
                email: email, password: call.form["password"] ?? "", ip: call.ip,
                session: consoleSession(secret: secret, call: call))
            return signedIn(user: user, sessionID: sessionID, secret: secret)
        } catch let error as GatehouseError where error.code != .internal {
            let (summary, fields) = ConsoleFormat.problem(error)
            return .page(templates.page("signIn", title: "Sign in", call: call, problem: summary,
                                        ["email": email, "errors": fields]), status: error.code.status)
        }
    }

    func signUpPage(_ call: ConsoleCall) async throws -> ConsoleResponse {
        .page(signUpForm(call, form: FormFields(""), errors: [:]))
    }

    func signUp(_ call: ConsoleCall) async throws -> ConsoleResponse {
        let secret = OpaqueToken.generate()
        do {
            let (user, sessionID) = try await accounts.signUp(
                email: call.form["email"] ?? "", password: call.form["password"] ?? "",
                fullName: call.form["full_name"] ?? "", tenantName: call.form["tenant_name"] ?? "", ip: call.ip,
                session: consoleSession(secret: secret, call: call))
            logger.info("signup in the console", metadata: ["user_id": "\(user.id.uuidString.lowercased())"])
            var response = signedIn(user: user, sessionID: sessionID, secret: secret)
            response.body = .redirect("/console/keys?done=signed-up")
            return response
        } catch let error as GatehouseError where error.code != .internal {
            var (summary, fields) = ConsoleFormat.problem(error)
            if error.code == .conflict { fields["email"] = "This email already has an account: sign in instead." }
            return .page(signUpForm(call, form: call.form, errors: fields, problem: summary), status: error.code.status)
        }
    }

    private func signUpForm(_ call: ConsoleCall, form: FormFields, errors: [String: String], problem: String? = nil) -> String {
        let fields: [(String, String, String, String, String?)] = [
            ("full_name", "Your name", "text", "name", nil),
            ("tenant_name", "Company or project", "text", "organization", "The account your team shares."),
            ("email", "Email", "email", "username", "We send a link to confirm it."),
            ("password", "Password", "password", "new-password", "8 to 128 characters."),
        ]
        return templates.page("signUp", title: "Create an account", call: call, problem: problem, [
            "fields": fields.map { field -> [String: Any] in
                var entry: [String: Any] = ["name": field.0, "label": field.1, "type": field.2, "autocomplete": field.3,
                                            "value": field.2 == "password" ? "" : (form[field.0] ?? "")]
                if let hint = field.4 { entry["hint"] = hint }
                if let error = errors[field.0] { entry["error"] = error }
                return entry
            },
        ])
    }

    func signOut(_ call: ConsoleCall) async throws -> ConsoleResponse {
        if let session = call.session {
            try await accounts.accounts.revokeSession(
                sessionID: session.sessionID, tenantID: session.tenantID, reason: "logout",
                audit: AuditEvent(actor: auditActor(call), action: "auth_session.revoke", changes: ["reason": "logout"])
                    .on("auth_session", session.sessionID))
        }
        var response = ConsoleResponse.redirect("/console/sign-in?done=signed-out")
        response.sessionCookie = .clear
        return response
    }

    func magicLinkRequestPage(_ call: ConsoleCall) async throws -> ConsoleResponse {
        .page(templates.page("emailRequest", title: "Email me a link", call: call, magicLinkContext()))
    }

    func magicLinkRequest(_ call: ConsoleCall) async throws -> ConsoleResponse {
        try await emailRequest(call, context: magicLinkContext(), title: "Email me a link", minutes: 15) { email in
            try await accounts.requestMagicLink(email: email, ip: call.ip)
        }
    }

    func forgotPasswordPage(_ call: ConsoleCall) async throws -> ConsoleResponse {
        .page(templates.page("emailRequest", title: "Forgot password", call: call, forgotContext()))
    }

    func forgotPassword(_ call: ConsoleCall) async throws -> ConsoleResponse {
        try await emailRequest(call, context: forgotContext(), title: "Forgot password", minutes: 30) { email in
            try await accounts.requestPasswordReset(email: email, ip: call.ip)
        }
    }

    /// GET /auth/verify-email?token=: a button, so that a mail scanner opening the link does nothing.
    func verifyEmailPage(_ call: ConsoleCall) async throws -> ConsoleResponse {
        confirmLinkPage(call, title: "Confirm your email", [
            "heading": "Confirm your email address", "action": AccountService.LinkPath.verifyEmail,
            "explanation": "Press the button to confirm your address and sign in to the console.", "button": "Confirm and sign in",
        ])
    }

    func verifyEmail(_ call: ConsoleCall) async throws -> ConsoleResponse {
        let secret = OpaqueToken.generate()
        do {
            // From the browser signed in as the user who signed up, the account stays as it is;
            // from anywhere else, confirming is the address's owner claiming it.
            let (user, sessionID) = try await accounts.verifyEmail(token: call.form["token"] ?? "",
                                                                   session: consoleSession(secret: secret, call: call),
                                                                   signedInUserID: call.user?.id,
                                                                   client: call.client)
            guard let sessionID else { throw GatehouseError.unauthorized }
            return signedIn(user: user, sessionID: sessionID, secret: secret)
        } catch let error as GatehouseError where error.code == .unauthorized || error.code == .tokenExpired || error.code == .validationFailed {
            return deadLink(call, error: error, what: "confirmation link",
                            next: ("/console/sign-in", "Sign in (you can ask for a new link from your account page)"))
        }
    }

    func magicLinkPage(_ call: ConsoleCall) async throws -> ConsoleResponse {
        confirmLinkPage(call, title: "Sign in", [
            "heading": "Sign in to Gatehouse", "action": AccountService.LinkPath.magicLink,
            "explanation": "Press the button to finish signing in. The link works once.", "button": "Sign in",
        ])
    }

    func magicLinkSignIn(_ call: ConsoleCall) async throws -> ConsoleResponse {
        let secret = OpaqueToken.generate()
        do {
            let (user, sessionID) = try await accounts.consumeMagicLink(token: call.form["token"] ?? "",
                                                                        session: consoleSession(secret: secret, call: call),
                                                                        client: call.client)
            return signedIn(user: user, sessionID: sessionID, secret: secret)
        } catch let error as GatehouseError where error.code == .unauthorized || error.code == .tokenExpired || error.code == .validationFailed {
            return deadLink(call, error: error, what: "sign-in link", next: ("/console/magic-link", "Email me a new link"))
        }
    }

    func resetPasswordPage(_ call: ConsoleCall) async throws -> ConsoleResponse {
        guard let token = call.query["token"], !token.isEmpty else { return missingToken(call) }
        return .page(templates.page("resetPassword", title: "Choose a new password", call: call, ["token": token]))
    }

    func resetPassword(_ call: ConsoleCall) async throws -> ConsoleResponse {
        let token = call.form["token"] ?? ""
        do {
            try await accounts.resetPassword(token: token, newPassword: call.form["new_password"] ?? "", client: call.client)
            var response = ConsoleResponse.redirect("/console/sign-in?done=reset")
            response.sessionCookie = .clear
            return response
        } catch let error as GatehouseError where error.code == .validationFailed && error.fieldErrors.contains(where: { $0.field == "new_password" }) {
            let (summary, fields) = ConsoleFormat.problem(error)
            return .page(templates.page("resetPassword", title: "Choose a new password", call: call, problem: summary,
                                        ["token": token, "errors": fields]), status: 422)
        } catch let error as GatehouseError where error.code == .unauthorized || error.code == .tokenExpired || error.code == .validationFailed {
            return deadLink(call, error: error, what: "reset link", next: ("/console/forgot-password", "Ask for a new reset link"))
        }
    }

    // MARK: - Helpers

    /// The row of a new console session: its cookie secret's hash, and a refresh token nobody
    /// ever sees (the sessions table wants one).
    func consoleSession(secret: String, call: ConsoleCall) -> NewSession {
        accounts.newSession(refreshToken: OpaqueToken.generate(), consoleSecret: secret, ip: call.ip, userAgent: call.userAgent)
    }

    private func signedIn(user: UserRecord, sessionID: UUID, secret: String) -> ConsoleResponse {
        var response = ConsoleResponse.redirect("/console/keys")
        response.sessionCookie = .set(ConsoleCookie(tenantID: user.tenantID, sessionID: sessionID, secret: secret))
        return response
    }

    private func magicLinkContext() -> [String: Any] {
        ["heading": "Email me a sign-in link", "action": "/console/magic-link", "button": "Email me a link",
         "explanation": "We send a link that signs you in without a password."]
    }

    private func forgotContext() -> [String: Any] {
        ["heading": "Forgot your password?", "action": "/console/forgot-password", "button": "Email me a reset link",
         "explanation": "We send a link to choose a new password."]
    }

    /// The "email me" forms: the same answer whether or not the address has an account.
    private func emailRequest(_ call: ConsoleCall, context: [String: Any], title: String, minutes: Int,
                              _ send: (String) async throws -> Void) async throws -> ConsoleResponse {
        let email = call.form["email"] ?? ""
        var context = context
        context["email"] = email
        do {
            try await send(email)
            context["sent"] = true
            context["minutes"] = minutes
            return .page(templates.page("emailRequest", title: title, call: call, context))
        } catch let error as GatehouseError where error.code != .internal {
            let (summary, fields) = ConsoleFormat.problem(error)
            context["errors"] = fields
            return .page(templates.page("emailRequest", title: title, call: call, problem: summary, context), status: error.code.status)
        }
    }

    private func confirmLinkPage(_ call: ConsoleCall, title: String, _ context: [String: Any]) -> ConsoleResponse {
        guard let token = call.query["token"], !token.isEmpty else { return missingToken(call) }
        var context = context
        context["token"] = token
        return .page(templates.page("confirmLink", title: title, call: call, context))
    }

    private func missingToken(_ call: ConsoleCall) -> ConsoleResponse {
        .page(templates.page("message", title: "Link not complete", call: call, [
            "heading": "This link is not complete",
            "text": "Open the link from the mail exactly as it was sent, or ask for a new one.",
            "link": ["href": "/console/sign-in", "label": "Go to sign in"],
        ]), status: 400)
    }

    private func deadLink(_ call: ConsoleCall, error: GatehouseError, what: String, next: (href: String, label: String)) -> ConsoleResponse {
        let text = error.code == .tokenExpired
            ? "This \(what) has expired."
            : "This \(what) is not valid or was already used."
        return .page(templates.page("message", title: "Link not valid", call: call, [
            "heading": "This link cannot be used", "text": text,
            "link": ["href": next.href, "label": next.label],
        ]), status: 401)
    }
}
