import Foundation
import GatehouseCore
import GatehouseServices
import GatehouseStore

/// The user's own account: name, password, sign out everywhere.
extension Console {
    func accountPage(_ call: ConsoleCall) async throws -> ConsoleResponse {
        let user = try call.signedIn
        let notice: String? = switch call.query["done"] {
        case "name": "Your name was saved."
        case "password": "Your password was changed. Your other sessions were ended."
        default: nil
        }
        return .page(accountPage(call, user: user, notice: notice))
    }

    func updateName(_ call: ConsoleCall) async throws -> ConsoleResponse {
        let user = try call.signedIn
        do {
            let name = try AuthValidation.name(call.form["full_name"] ?? "", field: "full_name")
            _ = try await accounts.accounts.updateFullName(
                userID: user.id, tenantID: user.tenantID, fullName: name,
                audit: AuditEvent(actor: auditActor(call), action: "user.update", changes: ["full_name": .string(name)]).on("user", user.id))
            return .redirect("/console/account?done=name")
        } catch let error as GatehouseError where error.code == .validationFailed {
            let (summary, fields) = ConsoleFormat.problem(error)
            return .page(accountPage(call, user: user, problem: summary, errors: fields, fullName: call.form["full_name"]), status: 422)
        }
    }

    func changePassword(_ call: ConsoleCall) async throws -> ConsoleResponse {
        let user = try call.signedIn
        guard let session = call.session else { throw GatehouseError.unauthorized }
        do {
            try await accounts.changePassword(userID: user.id, tenantID: user.tenantID, keepSessionID: session.sessionID,
                                              current: call.form["current_password"] ?? "", new: call.form["new_password"] ?? "",
                                              client: call.client)
            return .redirect("/console/account?done=password")
        } catch let error as GatehouseError where error.code == .validationFailed {
            let (summary, fields) = ConsoleFormat.problem(error)
            return .page(accountPage(call, user: user, problem: summary, errors: fields), status: 422)
        }
    }

    func signOutEverywhere(_ call: ConsoleCall) async throws -> ConsoleResponse {
        let user = try call.signedIn
        try await accounts.accounts.revokeAllSessions(
            userID: user.id, tenantID: user.tenantID, reason: "logout_global",
            audit: AuditEvent(actor: auditActor(call), action: "auth_session.revoke_all", changes: ["reason": "logout_global"]).on("user", user.id))
        var response = ConsoleResponse.redirect("/console/sign-in?done=signed-out")
        response.sessionCookie = .clear
        return response
    }

    private func accountPage(_ call: ConsoleCall, user: UserRecord, notice: String? = nil, problem: String? = nil,
                             errors: [String: String] = [:], fullName: String? = nil) -> String {
        templates.page("account", title: "Account", call: call, section: .account, notice: notice, problem: problem, [
            "fullName": fullName ?? user.fullName, "role": user.role.rawValue, "errors": errors,
        ])
    }
}
