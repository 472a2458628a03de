import Foundation
import GatehouseCore

extension GatehouseService {
    /// The authenticated tenant member calling a self-service key route.
    struct Caller {
        var tenantID: UUID
        /// The user behind the call: the JWT's user, or the creator of the calling key.
        var userID: UUID?
        var principal: Principal

        static func current() throws -> Caller {
            switch RequestScope.current?.principal {
            case .user(let user)?:
                return Caller(tenantID: user.tenantID, userID: user.userID, principal: .user(user))
            case .apiKey(let key)?:
                return Caller(tenantID: key.tenantID, userID: key.createdByUserID, principal: .apiKey(key))
            default:
                throw GatehouseError.unauthorized
            }
        }
    }

    /// The key-management rule for `caller`: owners and admins reach every key; a key is
    /// bounded by its own scopes and limits as stored now (not as cached in its principal).
    func keyGrantPolicy(_ caller: Caller) async throws -> KeyGrantPolicy {
        switch caller.principal {
        case .user(let user) where user.role.isManager:
            return KeyGrantPolicy(grantor: .manager)
        case .apiKey(let key):
            guard let grantor = try await keys.repository.grantor(tenantID: key.tenantID, keyID: key.keyID) else {
                throw GatehouseError.unauthorized
            }
            return KeyGrantPolicy(grantor: grantor)
        default:
            throw GatehouseError(.forbidden, "Only owners, admins and keys with account:manage manage keys.")
        }
    }
}
