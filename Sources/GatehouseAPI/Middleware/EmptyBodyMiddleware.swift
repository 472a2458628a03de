import HTTPTypes
import OpenAPIRuntime

/// A request whose body is empty reaches the generated code with no body at all, so operations
/// whose body is optional (e.g. `POST /api-keys/{id}/rotate`) accept a bare POST instead of
/// failing to decode "" as JSON. A body of unknown length is read first (request bodies are
/// already capped by `BodyLimitMiddleware`, and the JSON decoder would buffer it anyway).
struct EmptyBodyMiddleware: ServerMiddleware {
    let maxBytes: Int

    func intercept(
        _ request: HTTPRequest,
        body: HTTPBody?,
        metadata: ServerRequestMetadata,
        operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        guard let body else { return try await next(request, nil, metadata) }
        if case .known(let length) = body.length {
            return try await next(request, length == 0 ? nil : body, metadata)
        }
        let bytes = try await [UInt8](collecting: body, upTo: maxBytes)
        return try await next(request, bytes.isEmpty ? nil : HTTPBody(bytes), metadata)
    }
}
