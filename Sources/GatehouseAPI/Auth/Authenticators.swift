import GatehouseCore
import GatehouseStore

/// Verifies a JWT access token (signature, claims, live session) and returns its user.
/// Throws `GatehouseError` (`unauthorized`, `token_expired`) for a token that does not pass.
protocol BearerTokenVerifying: Sendable {
    func verify(accessToken: String) async throws -> UserIdentity
}

/// Authenticates a tenant API key for one request and applies its limits on the hot path.
/// Throws `GatehouseError` (401 invalid/revoked/expired, 429, 402) when the request is refused;
/// refusals still carry headers through `RequestState`.
protocol APIKeyAuthenticating: Sendable {
    func authenticate(rawKey: String, operationID: String, endpoint: String) async throws -> KeyIdentity

    /// For a key known from an earlier request: its identity now, and its hit to be sent with the
    /// request's first tenant read (`PendingAdmission`). Nil when the key must be checked first.
    func prepare(rawKey: String, operationID: String, endpoint: String) -> (KeyIdentity, PendingAdmission)?
}

extension APIKeyAuthenticating {
    func prepare(rawKey: String, operationID: String, endpoint: String) -> (KeyIdentity, PendingAdmission)? { nil }
}

/// Authenticates an operator master key.
protocol MasterKeyAuthenticating: Sendable {
    func authenticate(rawKey: String) async throws -> MasterIdentity
}

/// The authenticators the server has; a missing one refuses its kind of credential.
struct Authenticators: Sendable {
    var bearer: (any BearerTokenVerifying)?
    var apiKey: (any APIKeyAuthenticating)?
    var master: (any MasterKeyAuthenticating)?
}
