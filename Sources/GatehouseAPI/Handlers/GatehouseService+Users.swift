import GatehouseCore

// Scaffolding: every Users operation answers 501 until issue #3 implements it.
extension GatehouseService {
    /// GET /api/v2/users/me
    func usersGetMe(_ input: Operations.UsersGetMe.Input) async throws -> Operations.UsersGetMe.Output {
        throw GatehouseError(.notImplemented, "GET /api/v2/users/me is not implemented yet.")
    }

    /// PATCH /api/v2/users/me
    func usersUpdateMe(_ input: Operations.UsersUpdateMe.Input) async throws -> Operations.UsersUpdateMe.Output {
        throw GatehouseError(.notImplemented, "PATCH /api/v2/users/me is not implemented yet.")
    }
}
