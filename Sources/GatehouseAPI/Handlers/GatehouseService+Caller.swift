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

        /// `requested` if every scope is known and held by the caller (a key never gets more than its creator).
        func grantable(_ requested: [String]) throws -> [String] {
            var result: [String] = []
            for name in requested where !result.contains(name) {
                guard let scope = Scope(rawValue: name) else {
                    throw GatehouseError.validation("scopes", "unknown scope: \(name)")
                }
                guard scopes.contains(scope) else {
                    throw GatehouseError.validation("scopes", "you cannot grant a scope you do not hold: \(name)")
                }
                result.append(name)
            }
            return result.sorted()
        }
    }
}
