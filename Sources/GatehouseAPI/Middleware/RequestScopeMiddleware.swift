import Foundation
import GatehouseCore
import Hummingbird
import HTTPTypes
import Logging

/// Gives every request an id (the client's `X-Request-Id` when it is sane, else a new UUID),
/// puts it in the logger's metadata and the response headers, works out the client's address
/// (`TrustedProxies`), and publishes the `RequestScope`.
struct RequestScopeMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    /// Whose `X-Forwarded-For` names the client (`TRUSTED_PROXIES`); none by default.
    var trustedProxies = TrustedProxies([])

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let requestID = Self.acceptableID(request.headers[.requestID]) ?? UUID().uuidString.lowercased()
        var context = context
        context.logger[metadataKey: "request_id"] = .string(requestID)
        let scope = RequestScope(
            requestID: requestID,
            baseLogger: context.logger,
            clientIP: clientIP(request, peer: context.remoteAddress?.ipAddress),
            userAgent: request.headers[.userAgent].map { String($0.prefix(512)) },
            state: RequestState()
        )
        var response = try await RequestScope.$current.withValue(scope) {
            try await next(request, context)
        }
        // Headers learned inside (rate limits, spend) reach successes and problem answers alike.
        for (name, value) in scope.state.headers {
            if let field = HTTPField.Name(name) { response.headers[field] = value }
        }
        response.headers[.requestID] = requestID
        return response
    }

    /// The socket peer, or behind a trusted proxy the client `X-Forwarded-For` names.
    func clientIP(_ request: Request, peer: String?) -> String? {
        guard let peer, let address = IPAddress(peer) else { return peer }
        let forwarded = trustedProxies.networks.isEmpty ? [] : request.headers[values: .xForwardedFor]
        return trustedProxies.client(peer: address, forwardedFor: forwarded).description
    }

    /// Echo only ids that cannot inject anything into logs or headers.
    static func acceptableID(_ value: String?) -> String? {
        guard let value, (1...128).contains(value.count),
              value.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.:".contains($0)) }) else { return nil }
        return value
    }
}

extension HTTPField.Name {
    static let requestID = Self("X-Request-Id")!
    static let xForwardedFor = Self("X-Forwarded-For")!
}
