import GatehouseCore

// Scaffolding: every Tenant operation answers 501 until issue #5 implements it.
extension GatehouseService {
    /// GET /api/v2/tenant/settings
    func tenantGetSettings(_ input: Operations.TenantGetSettings.Input) async throws -> Operations.TenantGetSettings.Output {
        throw GatehouseError(.notImplemented, "GET /api/v2/tenant/settings is not implemented yet.")
    }

    /// PATCH /api/v2/tenant/settings
    func tenantUpdateSettings(_ input: Operations.TenantUpdateSettings.Input) async throws -> Operations.TenantUpdateSettings.Output {
        throw GatehouseError(.notImplemented, "PATCH /api/v2/tenant/settings is not implemented yet.")
    }

    /// GET /api/v2/tenant/consents
    func tenantListConsents(_ input: Operations.TenantListConsents.Input) async throws -> Operations.TenantListConsents.Output {
        throw GatehouseError(.notImplemented, "GET /api/v2/tenant/consents is not implemented yet.")
    }
}
