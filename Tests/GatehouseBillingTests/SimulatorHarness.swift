import AsyncHTTPClient
import Foundation
import GatehouseBilling
import GatehouseCore
import GatehouseStore
import GatehouseTestSupport
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import Postgres
import ServiceLifecycle
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A live HTTP server on a free loopback port serving the Stripe simulator (on the shared test
/// database) and a webhook endpoint that records what it receives, for tests that go through
/// real HTTP: Gatehouse's `StripeClient`, the pages, the webhook deliveries.
struct SimulatorHarness: Sendable {
    static let webhookSecret = "whsec_simulator_tests"

    let port: Int
    /// This harness's own API key: injected faults and idempotency keys are per key.
    let secretKey = "sk_test_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased())"
    let simulator: StripeSimulator
    let receiver: WebhookReceiver
    let http: HTTPClient
    /// Calls of `GET /slow/…`, a route that answers after two seconds (for client timeouts).
    let slowCalls: Counter

    var baseURL: String { "http://127.0.0.1:\(port)" }
    var apiBase: URL { simulator.configuration.apiBase }

    /// A client of the simulator, as Gatehouse would configure it for Stripe.
    func client(maxRetries: Int = 2) -> StripeClient {
        StripeClient(apiBase: apiBase, secretKey: secretKey, httpClient: http, timeout: .seconds(10),
                     maxRetries: maxRetries, retryBaseDelay: .milliseconds(20))
    }

    /// Runs `body` with a live server; the webhook endpoint answers 500 to the first
    /// `failFirst` deliveries of each event, then 200.
    static func run<T: Sendable>(
        failFirst: Int = 0,
        webhookMaxAttempts: Int = 8,
        _ body: @Sendable (SimulatorHarness) async throws -> T
    ) async throws -> T {
        let pool = try await sharedPool()
        let port = try freePort()
        let receiver = WebhookReceiver(failFirst: failFirst)
        // Redirects are the pages' answers under test: never followed.
        let http = HTTPClient(eventLoopGroupProvider: .singleton,
                              configuration: HTTPClient.Configuration(redirectConfiguration: .disallow))
        let simulator = StripeSimulator(
            database: Database(pool: pool),
            configuration: .init(
                publicBaseURL: "http://127.0.0.1:\(port)",
                webhookURL: "http://127.0.0.1:\(port)/hooks/\(UUID().uuidString.lowercased())",
                webhookSecret: webhookSecret,
                webhookMaxAttempts: webhookMaxAttempts,
                webhookRetryBaseDelay: .milliseconds(20),
                pollInterval: .milliseconds(50)
            ),
            httpClient: http,
            logger: TestDatabase.logger
        )
        let router = Router()
        simulator.registerRoutes(on: router)
        let slowCalls = Counter()
        router.get("slow/**") { _, _ -> Response in
            slowCalls.increment()
            try? await Task.sleep(for: .seconds(2))
            return Response(status: .serviceUnavailable)
        }
        router.post("hooks/{endpoint}") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 1 << 20)
            let status = receiver.receive(payload: Array(body.readableBytesView),
                                          signature: request.headers[.init("Stripe-Signature")!])
            return Response(status: .init(code: status))
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)),
                              logger: TestDatabase.logger)
        let group = ServiceGroup(configuration: .init(services: [app, simulator.worker], logger: TestDatabase.logger))
        let running = Task { try await group.run() }
        let harness = SimulatorHarness(port: port, simulator: simulator, receiver: receiver, http: http, slowCalls: slowCalls)
        do {
            try await harness.waitUntilServing()
            let value = try await body(harness)
            await group.triggerGracefulShutdown()
            _ = await running.result
            try await http.shutdown()
            return value
        } catch {
            await group.triggerGracefulShutdown()
            _ = await running.result
            try? await http.shutdown()
            throw error
        }
    }

    /// One small pool for every harness of the test process: the suites run in parallel and
    /// must not take the test cluster's connection slots from the other suites.
    private static func sharedPool() async throws -> PostgresPool {
        try await TestDatabase.migrate()
        _ = try TestDatabase.appURL
        return SharedPool.pool
    }

    private enum SharedPool {
        // The environment was checked above, before this is first touched.
        static let pool = PostgresPool(
            configuration: try! PostgresConfiguration(url: try! TestDatabase.appURL, maxConnections: 6, acquireTimeout: .seconds(60)),
            logger: TestDatabase.logger)
    }

    private func waitUntilServing() async throws {
        for _ in 0..<200 {
            if (try? await get("/stripe-sim/v1/prices").status) == 200 { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw HarnessError("the simulator did not start on port \(port)")
    }

    // MARK: Raw HTTP

    struct Answer: Sendable {
        var status: Int
        var headers: [String: String]
        var body: String
        var json: JSONValue { get throws { try JSONValue.parse(Array(body.utf8)) } }
    }

    func get(_ path: String, authorized: Bool = true) async throws -> Answer {
        try await send(.GET, path, authorized: authorized)
    }

    /// A form POST (`application/x-www-form-urlencoded`), as a browser or Stripe's libraries send.
    func post(_ path: String, form: [(String, String)] = [], authorized: Bool = true,
              headers: [String: String] = [:]) async throws -> Answer {
        var encoded = StripeForm()
        for (key, value) in form { encoded.add(key, value) }
        return try await send(.POST, path, body: encoded.encoded, authorized: authorized, headers: headers)
    }

    func send(_ method: HTTPMethod, _ path: String, body: String? = nil, authorized: Bool = true,
              headers: [String: String] = [:]) async throws -> Answer {
        let url = path.hasPrefix("http") ? path : baseURL + path
        var request = HTTPClientRequest(url: url)
        request.method = method
        if authorized { request.headers.add(name: "Authorization", value: "Bearer \(secretKey)") }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await http.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 4 << 20)
        var fields: [String: String] = [:]
        for header in response.headers { fields[header.name.lowercased()] = header.value }
        return Answer(status: Int(response.status.code), headers: fields, body: String(buffer: bytes))
    }

    // MARK: Simulator state

    /// Every event of the simulator (the shared test database's), newest first, read page by page.
    func allEvents(types: [String] = []) async throws -> [StripeEvent] {
        var events: [StripeEvent] = []
        var after: String?
        while true {
            let page = try await client().listEvents(startingAfter: after, types: types, limit: 100)
            events += page.data
            guard page.hasMore, let last = page.data.last else { return events }
            after = last.id
        }
    }

    /// The simulator's events about `objectID` (its `data.object.id`), oldest first.
    func events(about objectID: String) async throws -> [StripeEvent] {
        try await allEvents().filter { $0.objectID == objectID }.reversed()
    }

    /// Event types about `objectID`, oldest first.
    func eventTypes(about objectID: String) async throws -> [String] {
        try await events(about: objectID).map(\.type)
    }

    /// The delivery state of one event (`GET /stripe-sim/sim/webhook_deliveries?event=`).
    func delivery(of eventID: String) async throws -> JSONValue? {
        let answer = try await get("/stripe-sim/sim/webhook_deliveries?event=\(eventID)")
        guard case .array(let items)? = try answer.json["data"] else { return nil }
        return items.first
    }

    /// Waits (bounded) until `condition` holds; throws if it never does.
    func eventually(_ what: String, _ condition: @Sendable () async throws -> Bool) async throws {
        for _ in 0..<400 {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw HarnessError("timed out waiting until \(what)")
    }

    // MARK: Flows

    /// Pays a checkout session on its page with `card`; returns the page's answer.
    func pay(_ session: StripeCheckoutSession, card: String, email: String? = nil) async throws -> Answer {
        var form = [("card_number", card), ("name", "Test Person")]
        if let email { form.append(("email", email)) }
        guard let url = session.url else { throw HarnessError("checkout session \(session.id) has no url") }
        return try await post(url, form: form, authorized: false)
    }

    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw HarnessError("socket() failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0 else { throw HarnessError("bind() failed") }
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else { throw HarnessError("getsockname() failed") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

struct HarnessError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A thread-safe count.
final class Counter: Sendable {
    private let count = Mutex(0)
    func increment() { count.withLock { $0 += 1 } }
    var value: Int { count.withLock { $0 } }
}
