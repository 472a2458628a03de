import Hummingbird

/// Collects the request body up to a fixed size first, so an oversized body is a 413 before
/// any decoding and no handler ever buffers without bound.
struct BodyLimitMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let maxBytes: Int

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var request = request
        _ = try await request.collectBody(upTo: maxBytes)
        return try await next(request, context)
    }
}
