import HTTPTypes
import OpenAPIRuntime

/// Treats an empty request body as no body. The Hummingbird transport always hands the
/// generated server a body, and an empty one fails JSON decoding even where the body is
/// optional (`POST /auth/logout` without a body must work).
struct EmptyBodyMiddleware: ServerMiddleware {
    /// The largest body read when its length is not announced.
    var maxBytes = 1 << 20

    func intercept(
        _ request: HTTPRequest,
        body: HTTPBody?,
        metadata: ServerRequestMetadata,
        operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        guard let body else { return try await next(request, nil, metadata) }
        switch body.length {
        case .known(0):
            return try await next(request, nil, metadata)
        case .known:
            return try await next(request, body, metadata)
        case .unknown:
            // Length not announced: read it (BodyLimitMiddleware has already capped the size).
            let bytes = try await [UInt8](collecting: body, upTo: maxBytes)
            return try await next(request, bytes.isEmpty ? nil : HTTPBody(bytes), metadata)
        }
    }
}
