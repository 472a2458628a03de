import Foundation
import GatehouseAuth
import GatehouseCore
import GatehouseStore
import HTTPTypes
import OpenAPIRuntime

/// Authenticates each operation as its policy (`x-auth`, `x-scopes`, `x-roles`) demands, and
/// records the principal in `RequestState` for handlers. Runs inside the generated server,
/// where the operation id is known.
///
/// Credentials: `Authorization: Bearer <JWT>` or `X-API-Key`. When both are sent, both must be
/// valid (else 401); the API key is then the principal, so its limits apply.
struct AuthMiddleware: ServerMiddleware {
    let policies: [String: OperationPolicy]
    let authenticators: Authenticators
    let keyFormat: KeyFormat

    func intercept(
        _ request: HTTPRequest,
        body: HTTPBody?,
        metadata: ServerRequestMetadata,
        operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        let policy = policies[operationID] ?? .strictest
        RequestScope.current?.state.operationID = operationID
        guard policy.authentication != .none else {
            return try await next(request, body, metadata)
        }
        if let deferred = deferrableKeyRead(request, policy: policy, operationID: operationID) {
            RequestScope.current?.state.principal = .apiKey(deferred.identity)
            return try await serve(deferred.admission, policy: policy) { try await next(request, body, metadata) }
        }
        let principal = try await authenticate(request, policy: policy, operationID: operationID)
        try authorize(principal, policy: policy)
        RequestScope.current?.state.principal = principal
        return try await next(request, body, metadata)
    }

    /// A GET with only an API key, of a key admitted before whose known scopes already allow the
    /// operation: its hit can travel with the handler's first tenant read (one round trip).
    private func deferrableKeyRead(_ request: HTTPRequest, policy: OperationPolicy, operationID: String)
        -> (identity: KeyIdentity, admission: PendingAdmission)? {
        guard request.method == .get, policy.authentication == .principal, policy.roles == nil,
              request.headerFields[.authorization] == nil,
              let apiKey = request.headerFields[HTTPField.Name("X-API-Key")!]?.trimmingCharacters(in: .whitespaces),
              keyFormat.kind(of: apiKey) == .live,
              let keys = authenticators.apiKey,
              let prepared = keys.prepare(rawKey: apiKey, operationID: operationID, endpoint: policy.endpoint),
              policy.scopes.isSubset(of: prepared.0.scopes) else { return nil }
        return prepared
    }

    /// Runs the handler with the key's hit pending, then makes sure the hit was sent and
    /// admitted before anything is answered: a refusal replaces whatever the handler produced,
    /// and the scopes are checked again against what the hit returned.
    private func serve(
        _ admission: PendingAdmission, policy: OperationPolicy,
        _ handler: () async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        let outcome: Result<(HTTPResponse, HTTPBody?), any Error>
        do {
            outcome = .success(try await PendingAdmission.$current.withValue(admission) { try await handler() })
        } catch {
            outcome = .failure(error)
        }
        try await admission.settle()
        guard let principal = RequestScope.current?.state.principal else { throw GatehouseError.unauthorized }
        try authorize(principal, policy: policy)
        return try outcome.get()
    }

    private func authenticate(_ request: HTTPRequest, policy: OperationPolicy, operationID: String) async throws -> Principal {
        let bearer = try bearerToken(request)
        let apiKey = request.headerFields[HTTPField.Name("X-API-Key")!].map { $0.trimmingCharacters(in: .whitespaces) }
        guard bearer != nil || apiKey != nil else {
            throw GatehouseError(.unauthorized, "Send a bearer access token or an X-API-Key.",
                                 headers: ["WWW-Authenticate": "Bearer"])
        }
        let kind = apiKey.flatMap { keyFormat.kind(of: $0) }
        if apiKey != nil, kind == nil {
            throw GatehouseError(.unauthorized, "The API key is not valid.")
        }

        switch policy.authentication {
        case .none:
            preconditionFailure("public operations are not authenticated")
        case .master:
            guard let apiKey, kind == .admin, bearer == nil else {
                // A valid tenant credential is still not an operator: 403, not 401.
                if let bearer { _ = try await verifyBearer(bearer) }
                if let apiKey, kind == .live { _ = try await authenticateKey(apiKey, operationID: operationID, endpoint: policy.endpoint) }
                throw GatehouseError(.forbidden, "This operation requires a master key.")
            }
            guard let master = authenticators.master else { throw GatehouseError.unauthorized }
            return .master(try await master.authenticate(rawKey: apiKey))
        case .user, .principal:
            if kind == .admin {
                throw GatehouseError(.forbidden, "A master key cannot call tenant operations.")
            }
            let user = try await bearer.asyncMap { try await verifyBearer($0) }
            if let apiKey {
                if policy.authentication == .user {
                    throw GatehouseError(.forbidden, "This operation requires a user's access token, not an API key.")
                }
                return .apiKey(try await authenticateKey(apiKey, operationID: operationID, endpoint: policy.endpoint))
            }
            return .user(user!)
        }
    }

    private func authorize(_ principal: Principal, policy: OperationPolicy) throws {
        if let roles = policy.roles {
            guard case .user(let user) = principal, roles.contains(user.role) else {
                throw GatehouseError(.forbidden, "Only a user with role \(roles.map(\.rawValue).sorted().joined(separator: " or ")) may do this.")
            }
        }
        let missing = policy.scopes.subtracting(principal.scopes)
        guard missing.isEmpty else {
            throw GatehouseError(.insufficientScope, "Missing scope: \(missing.map(\.rawValue).sorted().joined(separator: ", ")).",
                                 extensions: ["required_scopes": .string(policy.scopes.map(\.rawValue).sorted().joined(separator: " "))])
        }
    }

    private func bearerToken(_ request: HTTPRequest) throws -> String? {
        guard let header = request.headerFields[.authorization] else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer", !parts[1].isEmpty else {
            throw GatehouseError(.unauthorized, "Use Authorization: Bearer <access token>.",
                                 headers: ["WWW-Authenticate": "Bearer"])
        }
        return String(parts[1])
    }

    private func verifyBearer(_ token: String) async throws -> UserIdentity {
        guard let bearer = authenticators.bearer else { throw GatehouseError.unauthorized }
        return try await bearer.verify(accessToken: token)
    }

    private func authenticateKey(_ raw: String, operationID: String, endpoint: String) async throws -> KeyIdentity {
        guard let keys = authenticators.apiKey else { throw GatehouseError(.unauthorized, "The API key is not valid.") }
        return try await keys.authenticate(rawKey: raw, operationID: operationID, endpoint: endpoint)
    }
}

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let self else { return nil }
        return try await transform(self)
    }
}
