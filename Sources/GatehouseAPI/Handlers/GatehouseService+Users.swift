import Foundation
import GatehouseCore
import GatehouseServices

extension GatehouseService {
    /// GET /api/v2/users/me
    func usersGetMe(_ input: Operations.UsersGetMe.Input) async throws -> Operations.UsersGetMe.Output {
        .ok(.init(body: .json(try await currentUser())))
    }

    /// PATCH /api/v2/users/me
    func usersUpdateMe(_ input: Operations.UsersUpdateMe.Input) async throws -> Operations.UsersUpdateMe.Output {
        let identity = try currentIdentity()
        guard case .json(let body) = input.body else { throw GatehouseError.invalidRequest("Send a JSON body.") }
        guard let rawName = body.fullName else {
            return .ok(.init(body: .json(try await currentUser())))
        }
        let fullName = try AuthValidation.name(rawName, field: "full_name")
        guard let user = try await auth.accounts.updateFullName(
            userID: identity.userID, tenantID: identity.tenantID, fullName: fullName,
            audit: .byRequest("user.update", on: ("user", identity.userID), changes: ["full_name": .string(fullName)])) else {
            throw GatehouseError.unauthorized
        }
        return .ok(.init(body: .json(Self.userSchema(user))))
    }
}
