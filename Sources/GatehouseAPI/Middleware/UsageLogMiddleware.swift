import Foundation
import GatehouseStore
import Hummingbird

/// Records every key-authenticated request (admitted, or refused by its limits) with its final
/// status and duration, after the response is made. Sits right inside `RequestScopeMiddleware`,
/// so problem answers (rendered further in) are seen with their real status.
struct UsageLogMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let recorder: UsageRecorder

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        do {
            let response = try await next(request, context)
            record(status: Int(response.status.code), since: start)
            return response
        } catch {
            record(status: (error as? any HTTPResponseError)?.status.code ?? 500, since: start)
            throw error
        }
    }

    private func record(status: Int, since start: ContinuousClock.Instant) {
        guard let note = RequestScope.current?.state.keyUsage else { return }
        let elapsed = ContinuousClock.now - start
        recorder.record(UsageLogEntry(
            tenantID: note.tenantID, keyID: note.keyID, endpoint: note.endpoint, statusCode: status,
            cost: note.cost, tokensIn: note.tokensIn, tokensOut: note.tokensOut, model: note.model,
            durationMilliseconds: Int(elapsed.nanoseconds / 1_000_000), createdAt: note.at))
    }
}
