import Hummingbird
import NIOCore

/// Collects the request body up to a fixed size first, so an oversized body is a 413 before
/// any decoding and no handler ever buffers without bound.
struct BodyLimitMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let maxBytes: Int

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        // HTTP/1.1: a request with neither Content-Length nor Transfer-Encoding has no body
        // (RFC 9112 §6.3), so there is nothing to collect (most GETs).
        if request.headers[.contentLength] == nil, request.headers[.transferEncoding] == nil {
            return try await next(request, context)
        }
        var request = request
        do {
            _ = try await request.collectBody(upTo: maxBytes)
        } catch is NIOTooManyBytesError {
            // What a body streamed past the limit throws over a real connection: a 413, not
            // the 500 an unknown error would be.
            throw HTTPError(.contentTooLarge)
        }
        return try await next(request, context)
    }
}
