import Foundation
import GatehouseCore
import Yams

/// Who may call an operation, declared once in `openapi.yaml` with the `x-auth`, `x-scopes`
/// and `x-roles` extensions and read at start-up, so the contract and the checks cannot drift.
struct OperationPolicy: Sendable, Equatable {
    enum Authentication: String, Sendable {
        /// Public.
        case none
        /// A user's JWT only.
        case user
        /// A user's JWT or a tenant API key.
        case principal
        /// An operator master key only.
        case master
    }

    var authentication: Authentication
    var scopes: Set<Scope>
    /// When set, only users (JWT) with one of these roles.
    var roles: Set<Role>?
    /// `METHOD /path/template`, the label usage and prices use (e.g. `POST /api/v2/messages`).
    var endpoint: String

    /// Whether a signed-in user of `role` may call the operation (the web console asks this
    /// for the operation each of its actions stands for).
    func permits(_ role: Role) -> Bool {
        guard authentication == .user || authentication == .principal else { return false }
        if let roles, !roles.contains(role) { return false }
        return scopes.isSubset(of: role.scopes)
    }

    /// What an operation missing from the table requires: fail closed.
    static let strictest = OperationPolicy(authentication: .master, scopes: [], roles: nil, endpoint: "unknown")

    struct LoadError: Error, CustomStringConvertible {
        let description: String
    }

    /// Reads the policy of every operation in the OpenAPI document at `path`.
    static func load(specPath: String) throws -> [String: OperationPolicy] {
        guard let text = try? String(contentsOfFile: specPath, encoding: .utf8) else {
            throw LoadError(description: "cannot read the OpenAPI document at \(specPath) (set OPENAPI_SPEC)")
        }
        guard let document = try Yams.load(yaml: text) as? [String: Any],
              let paths = document["paths"] as? [String: Any] else {
            throw LoadError(description: "\(specPath) has no paths")
        }
        var policies: [String: OperationPolicy] = [:]
        for (path, item) in paths {
            guard let item = item as? [String: Any] else { continue }
            for method in ["get", "put", "post", "patch", "delete"] {
                guard let operation = item[method] as? [String: Any] else { continue }
                guard let id = operation["operationId"] as? String else {
                    throw LoadError(description: "\(method.uppercased()) \(path) has no operationId")
                }
                guard let authText = operation["x-auth"] as? String,
                      let authentication = Authentication(rawValue: authText) else {
                    throw LoadError(description: "operation \(id) needs x-auth: none|user|principal|master")
                }
                let scopeNames = operation["x-scopes"] as? [String] ?? []
                let scopes = try scopeNames.map { name in
                    guard let scope = Scope(rawValue: name) else { throw LoadError(description: "operation \(id): unknown scope \(name)") }
                    return scope
                }
                let roles = try (operation["x-roles"] as? [String]).map { names in
                    try names.map { name in
                        guard let role = Role(rawValue: name) else { throw LoadError(description: "operation \(id): unknown role \(name)") }
                        return role
                    }
                }
                policies[id] = OperationPolicy(
                    authentication: authentication, scopes: Set(scopes), roles: roles.map(Set.init),
                    endpoint: "\(method.uppercased()) \(path)")
            }
        }
        return policies
    }
}
