import GatehouseCore

// Scaffolding: every Admin operation answers 501 until issue #5 implements it.
extension GatehouseService {
    /// GET /api/v2/admin/api-keys
    func adminKeysList(_ input: Operations.AdminKeysList.Input) async throws -> Operations.AdminKeysList.Output {
        throw GatehouseError(.notImplemented, "GET /api/v2/admin/api-keys is not implemented yet.")
    }

    /// POST /api/v2/admin/api-keys
    func adminKeysCreate(_ input: Operations.AdminKeysCreate.Input) async throws -> Operations.AdminKeysCreate.Output {
        throw GatehouseError(.notImplemented, "POST /api/v2/admin/api-keys is not implemented yet.")
    }

    /// POST /api/v2/admin/api-keys/trial
    func adminKeysCreateTrial(_ input: Operations.AdminKeysCreateTrial.Input) async throws -> Operations.AdminKeysCreateTrial.Output {
        throw GatehouseError(.notImplemented, "POST /api/v2/admin/api-keys/trial is not implemented yet.")
    }

    /// GET /api/v2/admin/api-keys/{id}
    func adminKeysGet(_ input: Operations.AdminKeysGet.Input) async throws -> Operations.AdminKeysGet.Output {
        throw GatehouseError(.notImplemented, "GET /api/v2/admin/api-keys/{id} is not implemented yet.")
    }

    /// PUT /api/v2/admin/api-keys/{id}
    func adminKeysUpdate(_ input: Operations.AdminKeysUpdate.Input) async throws -> Operations.AdminKeysUpdate.Output {
        throw GatehouseError(.notImplemented, "PUT /api/v2/admin/api-keys/{id} is not implemented yet.")
    }

    /// DELETE /api/v2/admin/api-keys/{id}
    func adminKeysDelete(_ input: Operations.AdminKeysDelete.Input) async throws -> Operations.AdminKeysDelete.Output {
        throw GatehouseError(.notImplemented, "DELETE /api/v2/admin/api-keys/{id} is not implemented yet.")
    }

    /// PUT /api/v2/admin/api-keys/{id}/rate-limits
    func adminKeysUpdateRateLimits(_ input: Operations.AdminKeysUpdateRateLimits.Input) async throws -> Operations.AdminKeysUpdateRateLimits.Output {
        throw GatehouseError(.notImplemented, "PUT /api/v2/admin/api-keys/{id}/rate-limits is not implemented yet.")
    }

    /// POST /api/v2/admin/api-keys/{id}/deactivate
    func adminKeysDeactivate(_ input: Operations.AdminKeysDeactivate.Input) async throws -> Operations.AdminKeysDeactivate.Output {
        throw GatehouseError(.notImplemented, "POST /api/v2/admin/api-keys/{id}/deactivate is not implemented yet.")
    }

    /// POST /api/v2/admin/api-keys/{id}/activate
    func adminKeysActivate(_ input: Operations.AdminKeysActivate.Input) async throws -> Operations.AdminKeysActivate.Output {
        throw GatehouseError(.notImplemented, "POST /api/v2/admin/api-keys/{id}/activate is not implemented yet.")
    }

    /// POST /api/v2/admin/api-keys/{id}/extend-trial
    func adminKeysExtendTrial(_ input: Operations.AdminKeysExtendTrial.Input) async throws -> Operations.AdminKeysExtendTrial.Output {
        throw GatehouseError(.notImplemented, "POST /api/v2/admin/api-keys/{id}/extend-trial is not implemented yet.")
    }

    /// POST /api/v2/admin/api-keys/{id}/convert-to-paid
    func adminKeysConvertToPaid(_ input: Operations.AdminKeysConvertToPaid.Input) async throws -> Operations.AdminKeysConvertToPaid.Output {
        throw GatehouseError(.notImplemented, "POST /api/v2/admin/api-keys/{id}/convert-to-paid is not implemented yet.")
    }

    /// GET /api/v2/admin/usage
    func adminUsage(_ input: Operations.AdminUsage.Input) async throws -> Operations.AdminUsage.Output {
        throw GatehouseError(.notImplemented, "GET /api/v2/admin/usage is not implemented yet.")
    }

    /// GET /api/v2/admin/api-keys/{id}/usage
    func adminKeyUsage(_ input: Operations.AdminKeyUsage.Input) async throws -> Operations.AdminKeyUsage.Output {
        throw GatehouseError(.notImplemented, "GET /api/v2/admin/api-keys/{id}/usage is not implemented yet.")
    }
}
