import Foundation
import GatehouseCore
import GatehouseStore

/// Tenant settings and the append-only consent ledger. Who may PATCH is declared in
/// openapi.yaml (`settings:manage`: owner/admin users, or keys holding that scope); members
/// are refused with 403 by the auth middleware.
extension GatehouseService {
    /// GET /api/v2/tenant/settings
    func tenantGetSettings(_ input: Operations.TenantGetSettings.Input) async throws -> Operations.TenantGetSettings.Output {
        let settings = try await tenantSettings.settings(tenantID: try Self.currentTenant())
        return .ok(.init(body: .json(Self.settingsBody(settings))))
    }

    /// PATCH /api/v2/tenant/settings
    func tenantUpdateSettings(_ input: Operations.TenantUpdateSettings.Input) async throws -> Operations.TenantUpdateSettings.Output {
        let tenantID = try Self.currentTenant()
        guard case .json(let body) = input.body else { throw GatehouseError.invalidRequest("Send a JSON body.") }
        if let numbers = body.allowedNumbers {
            try PhoneNumberRule.checkList(numbers, field: "allowed_numbers")
            guard numbers.count <= 1000 else { throw GatehouseError.validation("allowed_numbers", "must hold at most 1000 numbers") }
        }
        let scope = RequestScope.current
        var userID: UUID?
        if case .user(let user)? = scope?.principal { userID = user.userID }
        let settings = try await tenantSettings.update(
            tenantID: tenantID,
            TenantSettingsChanges(allowedNumbers: body.allowedNumbers, requireApproval: body.requireApproval,
                                  aiConsentEnabled: body.aiConsentEnabled),
            actor: ConsentActor(userID: userID, ip: scope?.clientIP, userAgent: scope?.userAgent),
            audit: .byRequest("tenant_settings.update", on: ("tenant", tenantID), changes: [
                "require_approval": body.requireApproval.map(AuditValue.bool),
                "ai_consent_enabled": body.aiConsentEnabled.map(AuditValue.bool),
            ].compactMapValues { $0 }.merging(body.allowedNumbers.map { AuditValue.listed("allowed_numbers", $0) } ?? [:]) { $1 }))
        return .ok(.init(body: .json(Self.settingsBody(settings))))
    }

    /// GET /api/v2/tenant/consents
    func tenantListConsents(_ input: Operations.TenantListConsents.Input) async throws -> Operations.TenantListConsents.Output {
        let page = try await tenantSettings.consents(
            tenantID: try Self.currentTenant(), limit: try KeysetPaging.limit(input.query.limit),
            after: try KeysetPaging.position(input.query.cursor))
        return .ok(.init(body: .json(.init(
            items: page.items.map { item in
                let record = item.record
                return .init(id: record.id.uuidString.lowercased(), consentType: .aiProcessing, version: record.version,
                             granted: record.granted, userId: record.userID?.uuidString.lowercased(), ip: record.ip,
                             userAgent: record.userAgent, createdAt: record.createdAt)
            },
            nextCursor: page.hasMore ? page.items.last?.position.cursor : nil))))
    }

    static func settingsBody(_ settings: TenantSettings) -> Components.Schemas.TenantSettings {
        .init(allowedNumbers: settings.allowedNumbers, requireApproval: settings.requireApproval,
              aiConsentEnabled: settings.aiConsentEnabled)
    }
}
