import Foundation
import GatehouseCore

extension GatehouseService {
    /// The authenticated tenant member calling a self-service key route.
    struct Caller {
        var tenantID: UUID
        var scopes: Set<Scope>
        /// The user behind the call: the JWT's user, or the creator of the calling key.
        var userID: UUID?

        static func current() throws -> Caller {
            switch RequestScope.current?.principal {
            case .user(let user)?:
                return Caller(tenantID: user.tenantID, scopes: user.role.scopes, userID: user.userID)
            case .apiKey(let key)?:
                return Caller(tenantID: key.tenantID, scopes: key.scopes, userID: key.createdByUserID)
            default:
                throw GatehouseError.unauthorized
            }
        }
    }
}
