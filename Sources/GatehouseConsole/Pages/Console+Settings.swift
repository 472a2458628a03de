import Foundation
import GatehouseCore
import GatehouseStore

/// Tenant settings and the consent history; members see them read-only.
extension Console {
    func settingsPage(_ call: ConsoleCall) async throws -> ConsoleResponse {
        let user = try require("tenantGetSettings", call)
        let settings = try await tenantSettings.settings(tenantID: user.tenantID)
        let notice: String? = call.query["done"] == "saved" ? "Settings saved." : nil
        return .page(try await settingsPage(call, user: user, settings: settings, notice: notice))
    }

    func updateSettings(_ call: ConsoleCall) async throws -> ConsoleResponse {
        let user = try require("tenantUpdateSettings", call)
        let numbers = (call.form["allowed_numbers"] ?? "")
            .split(whereSeparator: { $0.isNewline || $0 == "," })
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
        let changes = TenantSettingsChanges(
            allowedNumbers: numbers, requireApproval: call.form["require_approval"] == "on",
            aiConsentEnabled: call.form["ai_consent_enabled"] == "on")
        do {
            try PhoneNumberRule.checkList(numbers, field: "allowed_numbers")
            guard numbers.count <= 1000 else { throw GatehouseError.validation("allowed_numbers", "must hold at most 1000 numbers") }
        } catch let error as GatehouseError {
            let (summary, fields) = ConsoleFormat.problem(error)
            let shown = TenantSettings(allowedNumbers: numbers, requireApproval: changes.requireApproval ?? false,
                                       aiConsentEnabled: changes.aiConsentEnabled ?? false)
            return .page(try await settingsPage(call, user: user, settings: shown, problem: summary, errors: fields), status: 422)
        }
        _ = try await tenantSettings.update(
            tenantID: user.tenantID, changes, actor: ConsentActor(userID: user.id, ip: call.ip, userAgent: call.userAgent),
            audit: AuditEvent(actor: auditActor(call), action: "tenant_settings.update",
                              targetType: "tenant", targetID: user.tenantID.uuidString.lowercased(), changes: [
                                  "require_approval": AuditValue.bool(changes.requireApproval ?? false),
                                  "ai_consent_enabled": AuditValue.bool(changes.aiConsentEnabled ?? false),
                              ].merging(AuditValue.listed("allowed_numbers", numbers)) { $1 }))
        return .redirect("/console/settings?done=saved")
    }

    private func settingsPage(_ call: ConsoleCall, user: UserRecord, settings: TenantSettings, notice: String? = nil,
                              problem: String? = nil, errors: [String: String] = [:]) async throws -> String {
        let page = try await tenantSettings.consents(tenantID: user.tenantID, limit: 50, after: nil)
        let consents = page.items.map { item -> [String: Any] in
            let record = item.record
            return ["time": ConsoleFormat.time(record.createdAt), "granted": record.granted ? "granted" : "withdrawn",
                    "version": record.version, "by": record.userID == user.id ? "you" : (record.userID == nil ? "an API key" : "another user"),
                    "ip": record.ip ?? "—", "userAgent": record.userAgent ?? "—"]
        }
        return templates.page("settings", title: "Settings", call: call, section: .settings, notice: notice, problem: problem, [
            "canManage": permits("tenantUpdateSettings", user.role),
            "allowedNumbers": settings.allowedNumbers.joined(separator: "\n"),
            "requireApproval": settings.requireApproval, "aiConsent": settings.aiConsentEnabled,
            "consents": consents, "hasConsents": !consents.isEmpty, "errors": errors,
        ])
    }
}
