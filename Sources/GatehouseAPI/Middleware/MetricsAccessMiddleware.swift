import Crypto
import Foundation
import GatehouseCore
import Hummingbird
import HTTPTypes

/// Guards `/metrics`: with `METRICS_PORT` the API port does not serve it (404, as if absent);
/// with `METRICS_TOKEN` it asks for `Authorization: Bearer <token>`, compared in constant time.
struct MetricsAccessMiddleware<Context: RequestContext>: RouterMiddleware {
    /// The API port's instance refuses `/metrics` outright (it is served on `METRICS_PORT`).
    let servedElsewhere: Bool
    let token: String?

    static var path: String { "/metrics" }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.uri.path == Self.path else { return try await next(request, context) }
        if servedElsewhere { throw GatehouseError.notFound("route") }
        if let token, !Self.presents(request.headers[.authorization], token: token) {
            throw GatehouseError(.unauthorized, "Send the metrics token: Authorization: Bearer <METRICS_TOKEN>.",
                                 headers: ["WWW-Authenticate": "Bearer realm=\"metrics\""])
        }
        return try await next(request, context)
    }

    /// Whether `header` is `Bearer <token>`; the secrets are compared as SHA-256 digests in
    /// constant time, so neither their content nor their length leaks through timing.
    static func presents(_ header: String?, token: String) -> Bool {
        guard let header, header.hasPrefix("Bearer ") else { return false }
        let presented = SHA256.hash(data: Data(header.dropFirst("Bearer ".count).utf8))
        let expected = SHA256.hash(data: Data(token.utf8))
        return zip(presented, expected).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
