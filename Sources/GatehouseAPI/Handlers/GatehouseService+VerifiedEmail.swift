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
        guard let tenantID = RequestScope.current?.principal?.tenantID else { throw GatehouseError.unauthorized }
        try await auth.service.verifiedEmail.requireVerified(userID: try Self.accountBehindCall(), tenantID: tenantID)
    }

    /// The account whose email the rule asks about: the signed-in user, or the user who made the
    /// calling key (nil for a key the operator made).
    static func accountBehindCall() throws -> UUID? {
        switch RequestScope.current?.principal {
        case .user(let user)?: user.userID
        case .apiKey(let key)?: key.createdByUserID
        default: throw GatehouseError.unauthorized
        }
    }
}
