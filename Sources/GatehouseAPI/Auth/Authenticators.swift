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
    /// `requiredScopes`: what the operation asks of a key. A usable key that lacks one is
    /// returned uncharged, for the caller to refuse (`AuthMiddleware.authorize`).
    func authenticate(rawKey: String, operationID: String, endpoint: String, requiredScopes: [String]) async throws -> KeyIdentity

    /// For a key known from an earlier request: its identity now, and its hit to be sent with the
    /// request's first tenant read (`PendingAdmission`). Nil when the key must be checked first.
    func prepare(rawKey: String, operationID: String, endpoint: String) -> (KeyIdentity, PendingAdmission)?
}

extension APIKeyAuthenticating {
    /// A scope no tenant key holds (keys hold only `Scope` values). Asking for it validates a
    /// key (401 when it is not valid) without ever charging it, for operations no key may call.
    static var noKeyMayCall: [String] { ["operator"] }

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
