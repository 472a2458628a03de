import GatehouseCore

// Scaffolding: every ApiKeys operation answers 501 until issue #4 implements it.
extension GatehouseService {
    /// GET /api/v2/api-keys
    func apiKeysList(_ input: Operations.ApiKeysList.Input) async throws -> Operations.ApiKeysList.Output {
        throw GatehouseError(.notImplemented, "GET /api/v2/api-keys is not implemented yet.")
    }

    /// POST /api/v2/api-keys
    func apiKeysCreate(_ input: Operations.ApiKeysCreate.Input) async throws -> Operations.ApiKeysCreate.Output {
        throw GatehouseError(.notImplemented, "POST /api/v2/api-keys is not implemented yet.")
    }

    /// GET /api/v2/api-keys/{id}
    func apiKeysGet(_ input: Operations.ApiKeysGet.Input) async throws -> Operations.ApiKeysGet.Output {
        throw GatehouseError(.notImplemented, "GET /api/v2/api-keys/{id} is not implemented yet.")
    }

    /// PATCH /api/v2/api-keys/{id}
    func apiKeysUpdate(_ input: Operations.ApiKeysUpdate.Input) async throws -> Operations.ApiKeysUpdate.Output {
        throw GatehouseError(.notImplemented, "PATCH /api/v2/api-keys/{id} is not implemented yet.")
    }

    /// DELETE /api/v2/api-keys/{id}
    func apiKeysRevoke(_ input: Operations.ApiKeysRevoke.Input) async throws -> Operations.ApiKeysRevoke.Output {
        throw GatehouseError(.notImplemented, "DELETE /api/v2/api-keys/{id} is not implemented yet.")
    }

    /// POST /api/v2/api-keys/{id}/rotate
    func apiKeysRotate(_ input: Operations.ApiKeysRotate.Input) async throws -> Operations.ApiKeysRotate.Output {
        throw GatehouseError(.notImplemented, "POST /api/v2/api-keys/{id}/rotate is not implemented yet.")
    }

    /// GET /api/v2/api-keys/{id}/usage
    func apiKeysUsage(_ input: Operations.ApiKeysUsage.Input) async throws -> Operations.ApiKeysUsage.Output {
        throw GatehouseError(.notImplemented, "GET /api/v2/api-keys/{id}/usage is not implemented yet.")
    }

    /// GET /api/v2/api-keys/{id}/recent
    func apiKeysRecent(_ input: Operations.ApiKeysRecent.Input) async throws -> Operations.ApiKeysRecent.Output {
        throw GatehouseError(.notImplemented, "GET /api/v2/api-keys/{id}/recent is not implemented yet.")
    }

    /// POST /api/v2/keys/verify
    func keysVerify(_ input: Operations.KeysVerify.Input) async throws -> Operations.KeysVerify.Output {
        throw GatehouseError(.notImplemented, "POST /api/v2/keys/verify is not implemented yet.")
    }
}
