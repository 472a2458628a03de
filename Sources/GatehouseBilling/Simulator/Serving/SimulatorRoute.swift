import HTTPTypes

/// One route of the simulator: Stripe's API (authenticated, idempotent POSTs, JSON errors) or
/// a page for people (HTML).
struct SimulatorRoute: Sendable {
    enum Kind: Sendable { case api, page }

    let method: HTTPRequest.Method
    /// Below the prefix; `{id}` is the one path parameter.
    let path: String
    let kind: Kind
    let handler: @Sendable (SimulatorService, SimulatorRequest) async throws -> SimulatorResponse

    static func api(_ method: HTTPRequest.Method, _ path: String,
                    _ handler: @escaping @Sendable (SimulatorService, SimulatorRequest) async throws -> SimulatorResponse) -> Self {
        Self(method: method, path: path, kind: .api, handler: handler)
    }

    static func page(_ method: HTTPRequest.Method, _ path: String,
                     _ handler: @escaping @Sendable (SimulatorService, SimulatorRequest) async throws -> SimulatorResponse) -> Self {
        Self(method: method, path: path, kind: .page, handler: handler)
    }
}
