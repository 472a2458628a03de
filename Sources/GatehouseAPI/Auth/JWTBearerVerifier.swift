import Foundation
import GatehouseAuth
import GatehouseCore
import GatehouseStore

/// Verifies access tokens: signature and claims (pinned EdDSA, iss, aud, exp, nbf) by
/// `AccessTokenService`, then that the session (`sid`) is still live, with one indexed query in
/// the token's tenant, so logout, password reset and refresh-token reuse end it at once.
/// The role comes from the database, so a role change applies at once too.
struct JWTBearerVerifier: BearerTokenVerifying {
    let tokens: AccessTokenService
    let accounts: any AccountRepository

    func verify(accessToken: String) async throws -> UserIdentity {
        var identity: UserIdentity
        do {
            identity = try await tokens.verify(accessToken)
        } catch .expired {
            throw GatehouseError(.tokenExpired, "The access token has expired; refresh it.",
                                 headers: ["WWW-Authenticate": "Bearer error=\"invalid_token\""])
        } catch {
            throw GatehouseError(.unauthorized, "The access token is not valid.",
                                 headers: ["WWW-Authenticate": "Bearer error=\"invalid_token\""])
        }
        guard let role = try await accounts.liveSessionRole(sessionID: identity.sessionID, userID: identity.userID,
                                                            tenantID: identity.tenantID) else {
            throw GatehouseError(.unauthorized, "The session has ended; sign in again.",
                                 headers: ["WWW-Authenticate": "Bearer error=\"invalid_token\""])
        }
        identity.role = role
        return identity
    }
}
