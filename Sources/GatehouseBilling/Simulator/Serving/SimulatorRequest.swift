/// One request to the simulator, independent of the HTTP framework.
struct SimulatorRequest: Sendable {
    var method: String
    /// The path below the simulator's prefix, e.g. `/v1/customers/cus_123`.
    var path: String
    /// The route's `{id}`, when it has one.
    var id: String?
    /// Header values by lowercased name.
    var headers: [String: String]
    /// Query string and form body together.
    var params: SimulatorParams
    /// The API caller's account (a digest of its key), once authenticated.
    var account: String?

    func header(_ name: String) -> String? { headers[name.lowercased()] }

    /// The route's `{id}` (every route that has one is registered with it).
    var requiredID: String {
        get throws(SimulatorError) {
            guard let id, !id.isEmpty else { throw SimulatorError.invalidRequest("Missing id in the path.") }
            return id
        }
    }
}
