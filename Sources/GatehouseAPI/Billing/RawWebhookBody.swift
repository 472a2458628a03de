import HTTPTypes
import OpenAPIRuntime

/// Keeps the exact bytes of a Stripe webhook's body for its handler: the signature is an HMAC
/// of the raw body, and the generated handler only sees the body decoded. For the webhook
/// operation only, the body is read once (BodyLimitMiddleware has capped it), published as
/// `RawWebhookBody.current`, and handed on unchanged.
struct RawWebhookBody: ServerMiddleware {
    /// The body of the webhook request being handled.
    @TaskLocal static var current: [UInt8]?

    var operationID = "billingWebhook"
    var maxBytes = 1 << 20

    func intercept(
        _ request: HTTPRequest,
        body: HTTPBody?,
        metadata: ServerRequestMetadata,
        operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        guard operationID == self.operationID, let body else { return try await next(request, body, metadata) }
        let bytes = try await [UInt8](collecting: body, upTo: maxBytes)
        return try await Self.$current.withValue(bytes) {
            try await next(request, HTTPBody(bytes), metadata)
        }
    }
}
