public import Foundation
public import Logging
public import GatehouseCore
import NIOCore

/// What a handler may know about the request it serves, set by `RequestScopeMiddleware` as a
/// task-local value (the generated OpenAPI handlers take only their typed input).
public struct RequestScope: Sendable {
    public var requestID: String
    /// The request's logger: request id, plus tenant and user once authenticated.
    public var logger: Logger {
        var logger = baseLogger
        switch state.principal {
        case .user(let user):
            logger[metadataKey: "tenant_id"] = .string(user.tenantID.uuidString.lowercased())
            logger[metadataKey: "user_id"] = .string(user.userID.uuidString.lowercased())
        case .apiKey(let key):
            logger[metadataKey: "tenant_id"] = .string(key.tenantID.uuidString.lowercased())
            logger[metadataKey: "api_key_id"] = .string(key.keyID.uuidString.lowercased())
        case .master(let master):
            logger[metadataKey: "master_key_id"] = .string(master.id.uuidString.lowercased())
        case nil:
            break
        }
        return logger
    }
    var baseLogger: Logger
    /// The peer's socket address; formatted only when someone asks (`clientIP`).
    var remoteAddress: SocketAddress?
    /// The client's address as the socket reports it.
    public var clientIP: String? { remoteAddress?.ipAddress }
    public var userAgent: String?
    /// What the inner layers learned (principal, extra headers).
    public var state: RequestState

    /// The verified principal; handlers behind authentication can rely on it.
    public var principal: Principal? { state.principal }

    @TaskLocal public static var current: RequestScope?
}
