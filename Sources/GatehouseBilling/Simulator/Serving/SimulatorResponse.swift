import GatehouseCore
/// One answer of the simulator: Stripe's JSON, an HTML page or a redirect.
struct SimulatorResponse: Sendable {
    var status: Int
    var headers: [(name: String, value: String)]
    var body: [UInt8]

    static func json(_ value: JSONValue, status: Int = 200) -> SimulatorResponse {
        SimulatorResponse(status: status, headers: [("Content-Type", "application/json")], body: value.jsonBytes())
    }

    static func error(_ error: SimulatorError) -> SimulatorResponse {
        json(error.body, status: error.status)
    }

    static func html(_ page: String, status: Int = 200) -> SimulatorResponse {
        SimulatorResponse(status: status, headers: [("Content-Type", "text/html; charset=utf-8"),
                                                    ("Cache-Control", "no-store")], body: Array(page.utf8))
    }

    /// 303 See Other: after a form post, the browser GETs `location`.
    static func redirect(to location: String) -> SimulatorResponse {
        SimulatorResponse(status: 303, headers: [("Location", location), ("Cache-Control", "no-store")], body: [])
    }
}
