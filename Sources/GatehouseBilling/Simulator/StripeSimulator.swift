import AsyncHTTPClient
import Foundation
import GatehouseStore
import HTTPTypes
import Hummingbird
import Logging
import Postgres

/// A stateful Stripe that Gatehouse serves itself (offline, in CI, in development): Stripe's
/// REST API under `<prefix>/v1/…` in Stripe's wire format, real checkout and customer-portal
/// pages, subscriptions moving through Stripe's states in real or test-clock time, and signed
/// webhooks delivered with retries. State lives in Postgres (schema `stripe_sim`), so it
/// survives restarts and every replica serves the same simulator.
///
/// Wiring (one server): `simulator.registerRoutes(on: router)` and add `simulator.worker` to the
/// application's services. `gatehouse stripe-sim` runs one on its own.
public struct StripeSimulator: Sendable {
    let service: SimulatorService
    /// Delivers webhooks (with retries) and runs real-time renewals: add it to the service group.
    public let worker: StripeSimulatorWorker

    public var configuration: Configuration { service.configuration }

    public init(database: Database, configuration: Configuration, httpClient: HTTPClient = .shared,
                logger: Logger = Logger(label: "gatehouse.stripe-sim")) {
        self.service = SimulatorService(database: database, configuration: configuration, logger: logger)
        self.worker = StripeSimulatorWorker(service: service, httpClient: httpClient)
    }

    /// Whether Gatehouse should serve the simulator: not when `apiBase` is Stripe's own API, and
    /// never with a live key. `STRIPE_API_BASE` unset (nil) means the built-in simulator.
    public static func shouldServe(apiBase: URL?, secretKey: String?) -> Bool {
        if secretKey?.hasPrefix("sk_live_") == true || secretKey?.hasPrefix("rk_live_") == true { return false }
        guard let host = apiBase?.host?.lowercased() else { return true }
        return !(host == "stripe.com" || host.hasSuffix(".stripe.com"))
    }

    /// Adds the simulator's API and pages under `configuration.pathPrefix`.
    public func registerRoutes<Router: RouterMethods>(on router: Router) {
        let group = router.group(RouterPath(configuration.pathPrefix))
        let service = self.service
        for route in SimulatorRoutes.all {
            group.on(RouterPath(route.path), method: route.method) { request, context in
                try await Self.serve(route, request: request, parameters: context.parameters, service: service)
            }
        }
    }

    private static func serve(_ route: SimulatorRoute, request: Request, parameters: Parameters,
                              service: SimulatorService) async throws -> Response {
        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.canonicalName] = field.value }
        let answer: SimulatorResponse
        do {
            var params = try SimulatorParams(formEncoded: request.uri.query ?? "")
            if request.method == .post {
                let body = try await request.body.collect(upTo: 1 << 20)
                try params.merge(SimulatorParams(formEncoded: String(decoding: body.readableBytesView, as: UTF8.self)))
            }
            var path = request.uri.path
            if path.hasPrefix(service.configuration.pathPrefix) { path.removeFirst(service.configuration.pathPrefix.count) }
            let simulatorRequest = SimulatorRequest(method: request.method.rawValue, path: path, id: parameters.get("id"),
                                                    headers: headers, params: params)
            answer = await SimulatorPipeline(service: service).handle(route, simulatorRequest)
        } catch let error as SimulatorError {
            answer = route.kind == .page ? SimulatorPages.errorPage(error.message, status: error.status) : .error(error)
        }
        var fields = HTTPFields()
        for header in answer.headers {
            if let name = HTTPField.Name(header.name) { fields.append(HTTPField(name: name, value: header.value)) }
        }
        return Response(status: HTTPResponse.Status(code: answer.status), headers: fields,
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: answer.body)))
    }
}
