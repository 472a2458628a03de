import Hummingbird
import Logging

/// Renders every error as `application/problem+json`. Internal causes are logged with the
/// request id; the client sees only the public code and message.
struct ProblemMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let outcome = ErrorTranslation.translate(error)
            if let cause = outcome.internalCause {
                context.logger.error("request failed", metadata: [
                    "error": "\(String(reflecting: cause))", "route": "\(context.endpointPath ?? request.uri.path)",
                ])
            }
            let requestID = RequestScope.current?.requestID
            return ProblemDocument(outcome.error, requestID: requestID, status: outcome.status).response()
        }
    }
}
