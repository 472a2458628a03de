import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// Stripe's REST API in its own wire format, over async-http-client: form-encoded bodies with
/// bracket nesting, `Authorization: Bearer sk_…`, `Stripe-Version`, and an `Idempotency-Key`
/// on every POST that all retries of the call reuse. Failures are `StripeError`s.
///
/// The same client talks to Stripe (`https://api.stripe.com`) or to Gatehouse's simulator
/// (`http://host:port/stripe-sim`): only `apiBase` and the key differ.
///
/// Retries: connection failures, timeouts, 409, 429 and 5xx are retried up to `maxRetries`
/// times with exponential backoff and jitter, unless Stripe's `Stripe-Should-Retry` header says
/// otherwise. A POST is safe to retry because its idempotency key makes Stripe answer a repeat
/// with the first answer.
public struct StripeClient: Sendable {
    /// The API version Stripe's own libraries pin at the time of writing.
    public static let defaultStripeVersion = "2026-10-28.endive"

    public let apiBase: URL
    public let stripeVersion: String
    /// Time allowed for one attempt (connect, send, answer).
    public let timeout: Duration
    /// Further attempts after the first one fails in a retryable way.
    public let maxRetries: Int
    /// The first retry's delay; each further retry doubles it (jittered, at most 8 s).
    public let retryBaseDelay: Duration
    private let secretKey: String
    private let httpClient: HTTPClient

    public init(
        apiBase: URL,
        secretKey: String,
        stripeVersion: String = StripeClient.defaultStripeVersion,
        httpClient: HTTPClient = .shared,
        timeout: Duration = .seconds(20),
        maxRetries: Int = 2,
        retryBaseDelay: Duration = .milliseconds(500)
    ) {
        self.apiBase = apiBase
        self.secretKey = secretKey
        self.stripeVersion = stripeVersion
        self.httpClient = httpClient
        self.timeout = timeout
        self.maxRetries = max(0, maxRetries)
        self.retryBaseDelay = retryBaseDelay
    }

    // MARK: Customers

    /// `POST /v1/customers`.
    public func createCustomer(
        email: String?, name: String? = nil, metadata: [String: String] = [:], testClock: String? = nil,
        idempotencyKey: String? = nil
    ) async throws -> StripeCustomer {
        var form = StripeForm()
        form.add("email", email)
        form.add("name", name)
        form.add("metadata", dictionary: metadata)
        form.add("test_clock", testClock)
        return try await send(.POST, "/v1/customers", form: form, idempotencyKey: idempotencyKey)
    }

    /// `GET /v1/customers/{id}`.
    public func retrieveCustomer(id: String) async throws -> StripeCustomer {
        try await send(.GET, "/v1/customers/\(try Self.pathSegment(id))")
    }

    /// `POST /v1/customers/{id}`: email, name, metadata (merged) and the default payment method
    /// (`invoice_settings[default_payment_method]`, e.g. Stripe's test `pm_card_visa` or
    /// `pm_card_chargeCustomerFail`).
    public func updateCustomer(
        id: String, email: String? = nil, name: String? = nil, metadata: [String: String] = [:],
        defaultPaymentMethod: String? = nil, idempotencyKey: String? = nil
    ) async throws -> StripeCustomer {
        var form = StripeForm()
        form.add("email", email)
        form.add("name", name)
        form.add("metadata", dictionary: metadata)
        form.add("invoice_settings[default_payment_method]", defaultPaymentMethod)
        return try await send(.POST, "/v1/customers/\(try Self.pathSegment(id))", form: form, idempotencyKey: idempotencyKey)
    }

    // MARK: Checkout

    /// `POST /v1/checkout/sessions` (mode `subscription`).
    public func createCheckoutSession(
        _ params: StripeCheckoutSessionParams, idempotencyKey: String? = nil
    ) async throws -> StripeCheckoutSession {
        try await send(.POST, "/v1/checkout/sessions", form: params.form, idempotencyKey: idempotencyKey)
    }

    /// `GET /v1/checkout/sessions/{id}`.
    public func retrieveCheckoutSession(id: String) async throws -> StripeCheckoutSession {
        try await send(.GET, "/v1/checkout/sessions/\(try Self.pathSegment(id))")
    }

    /// `POST /v1/checkout/sessions/{id}/expire`: an open session can no longer be paid.
    public func expireCheckoutSession(id: String, idempotencyKey: String? = nil) async throws -> StripeCheckoutSession {
        try await send(.POST, "/v1/checkout/sessions/\(try Self.pathSegment(id))/expire", form: StripeForm(),
                       idempotencyKey: idempotencyKey)
    }

    // MARK: Customer portal

    /// `POST /v1/billing_portal/sessions`.
    public func createBillingPortalSession(
        customer: String, returnURL: String, idempotencyKey: String? = nil
    ) async throws -> StripeBillingPortalSession {
        var form = StripeForm()
        form.add("customer", customer)
        form.add("return_url", returnURL)
        return try await send(.POST, "/v1/billing_portal/sessions", form: form, idempotencyKey: idempotencyKey)
    }

    // MARK: Subscriptions

    /// `GET /v1/subscriptions/{id}`.
    public func retrieveSubscription(id: String) async throws -> StripeSubscription {
        try await send(.GET, "/v1/subscriptions/\(try Self.pathSegment(id))")
    }

    /// `POST /v1/subscriptions/{id}`.
    public func updateSubscription(
        id: String, _ params: StripeSubscriptionUpdateParams, idempotencyKey: String? = nil
    ) async throws -> StripeSubscription {
        try await send(.POST, "/v1/subscriptions/\(try Self.pathSegment(id))", form: params.form,
                       idempotencyKey: idempotencyKey)
    }

    /// `DELETE /v1/subscriptions/{id}`: cancels at once (not at the period's end).
    public func cancelSubscription(id: String) async throws -> StripeSubscription {
        try await send(.DELETE, "/v1/subscriptions/\(try Self.pathSegment(id))")
    }

    // MARK: Events

    /// `GET /v1/events`, newest first. `startingAfter` pages to older events, `endingBefore`
    /// to newer ones; `createdAtOrAfter` (`created[gte]`) and `types` (`types[]`) filter.
    public func listEvents(
        startingAfter: String? = nil, endingBefore: String? = nil, createdAtOrAfter: Date? = nil,
        types: [String] = [], limit: Int = 100
    ) async throws -> StripeList<StripeEvent> {
        var query = StripeForm()
        query.add("limit", min(max(limit, 1), 100))
        query.add("starting_after", startingAfter)
        query.add("ending_before", endingBefore)
        query.add("created[gte]", createdAtOrAfter.map { Int($0.timeIntervalSince1970) })
        for type in types { query.add("types[]", type) }
        return try await send(.GET, "/v1/events", query: query)
    }

    /// `GET /v1/events/{id}`.
    public func retrieveEvent(id: String) async throws -> StripeEvent {
        try await send(.GET, "/v1/events/\(try Self.pathSegment(id))")
    }

    // MARK: Test clocks (test mode and the simulator only)

    /// `POST /v1/test_helpers/test_clocks`: a clock at `frozenTime`; attach customers to it
    /// with `createCustomer(…, testClock:)`.
    public func createTestClock(frozenTime: Date, name: String? = nil) async throws -> StripeTestClock {
        var form = StripeForm()
        form.add("frozen_time", Int(frozenTime.timeIntervalSince1970))
        form.add("name", name)
        return try await send(.POST, "/v1/test_helpers/test_clocks", form: form)
    }

    /// `POST /v1/test_helpers/test_clocks/{id}/advance`: moves the clock (and its customers'
    /// subscriptions: renewals, failed payments, retries, cancellations) forward to `frozenTime`.
    public func advanceTestClock(id: String, to frozenTime: Date) async throws -> StripeTestClock {
        var form = StripeForm()
        form.add("frozen_time", Int(frozenTime.timeIntervalSince1970))
        return try await send(.POST, "/v1/test_helpers/test_clocks/\(try Self.pathSegment(id))/advance", form: form)
    }

    // MARK: The wire

    /// Sends one call with retries and decodes Stripe's answer or error.
    func send<T: Decodable>(
        _ method: HTTPMethod, _ path: String, form: StripeForm? = nil, query: StripeForm? = nil,
        idempotencyKey: String? = nil
    ) async throws -> T {
        let body = try await sendRaw(method, path, form: form, query: query, idempotencyKey: idempotencyKey)
        do {
            return try JSONDecoder().decode(T.self, from: Data(body))
        } catch {
            throw StripeError(kind: .invalidResponse, message: "cannot decode \(T.self) from Stripe's answer: \(error)")
        }
    }

    /// Sends one call with retries and returns the 2xx body; any other outcome throws.
    func sendRaw(
        _ method: HTTPMethod, _ path: String, form: StripeForm? = nil, query: StripeForm? = nil,
        idempotencyKey: String? = nil
    ) async throws -> [UInt8] {
        var base = apiBase.absoluteString
        while base.hasSuffix("/") { base.removeLast() }
        var request = HTTPClientRequest(url: base + path + (query.map { $0.pairs.isEmpty ? "" : "?" + $0.encoded } ?? ""))
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(secretKey)")
        request.headers.add(name: "Stripe-Version", value: stripeVersion)
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "User-Agent", value: "Gatehouse/1 (StripeClient)")
        var bodyBytes: [UInt8]?
        if method == .POST {
            // One key for every attempt of this call: that is what makes a retry safe.
            request.headers.add(name: "Idempotency-Key", value: idempotencyKey ?? UUID().uuidString.lowercased())
            request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            bodyBytes = Array((form ?? StripeForm()).encoded.utf8)
        }

        var attempt = 0
        while true {
            if let bodyBytes { request.body = .bytes(ByteBuffer(bytes: bodyBytes)) }
            let outcome = await attemptOnce(request)
            switch outcome {
            case .success(let bytes):
                return bytes
            case .failure(let error, let retryable):
                guard retryable, attempt < maxRetries else { throw error }
            }
            try await Task.sleep(for: backoff(attempt: attempt))
            attempt += 1
        }
    }

    private enum Outcome {
        case success([UInt8])
        case failure(StripeError, retryable: Bool)
    }

    private func attemptOnce(_ request: HTTPClientRequest) async -> Outcome {
        let response: HTTPClientResponse
        let body: ByteBuffer
        do {
            response = try await httpClient.execute(request, timeout: TimeAmount(timeout))
            body = try await response.body.collect(upTo: 16 << 20)
        } catch let error as HTTPClientError where Self.isTimeout(error) {
            return .failure(StripeError(kind: .timeout, message: "no answer from \(apiBase.host ?? "Stripe") within \(timeout): \(error)"),
                            retryable: true)
        } catch is CancellationError {
            return .failure(StripeError(kind: .connection, message: "the call was cancelled"), retryable: false)
        } catch {
            return .failure(StripeError(kind: .connection, message: "cannot reach \(apiBase.host ?? "Stripe"): \(error)"),
                            retryable: true)
        }
        let status = Int(response.status.code)
        let bytes = Array(body.readableBytesView)
        if (200..<300).contains(status) { return .success(bytes) }

        let requestID = response.headers.first(name: "Request-Id")
        let error: StripeError
        if let decoded = try? JSONDecoder().decode(StripeErrorResponse.self, from: Data(bytes)) {
            error = StripeError(status: status, body: decoded, requestID: requestID)
        } else {
            let snippet = String(decoding: bytes.prefix(200), as: UTF8.self)
            error = StripeError(kind: status >= 500 ? .api : .invalidResponse, httpStatus: status,
                                message: "Stripe answered \(status) without an error object: \(snippet)", requestID: requestID)
        }
        let shouldRetry: Bool = switch response.headers.first(name: "Stripe-Should-Retry") {
        case "true": true
        case "false": false
        default: status == 409 || status == 429 || status >= 500
        }
        return .failure(error, retryable: shouldRetry)
    }

    private static func isTimeout(_ error: HTTPClientError) -> Bool {
        [.deadlineExceeded, .readTimeout, .writeTimeout, .connectTimeout].contains(error)
    }

    /// `retryBaseDelay × 2^attempt`, at most 8 s, with jitter (half to all of it).
    func backoff(attempt: Int) -> Duration {
        let base = retryBaseDelay * (1 << min(attempt, 10))
        let capped = min(base, .seconds(8))
        return capped * Double.random(in: 0.5...1.0)
    }

    /// An id placed in a path: Stripe ids are letters, digits and underscores.
    static func pathSegment(_ id: String) throws -> String {
        guard !id.isEmpty, id.utf8.count <= 255, id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) else {
            throw StripeError(kind: .invalidRequest, message: "'\(id.prefix(40))' is not a Stripe id")
        }
        return id
    }
}
