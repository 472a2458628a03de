import Foundation
import GatehouseCore
import GatehouseServices
import GatehouseStore

extension GatehouseService {
    /// 403 `email_not_verified` unless the account behind the call (the signed-in user, or the
    /// user who made the calling key) has proven it owns its email address. Creating or
    /// rotating an API key and starting a paid checkout call this first; the rule itself is
    /// `VerifiedEmailRule` (`REQUIRE_VERIFIED_EMAIL`).
    func requireVerifiedEmail() async throws {
        switch RequestScope.current?.principal {
        case .user(let user)?:
            try await auth.service.verifiedEmail.requireVerified(userID: user.userID, tenantID: user.tenantID)
        case .apiKey(let key)?:
            try await auth.service.verifiedEmail.requireVerified(userID: key.createdByUserID, tenantID: key.tenantID)
        default:
            throw GatehouseError.unauthorized
        }
    }
}
