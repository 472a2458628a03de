import Foundation
import GatehouseAPI
import GatehouseBilling
import GatehouseCore
import GatehouseStore
import GatehouseTestSupport
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// Steps of the billing flows as a customer and Stripe take them, over HTTP.
enum BillingFixtures {
    /// A new tenant in the app's database with a verified owner (JWT).
    static func owner(_ ctx: BillingTestApp.Context) async throws -> TestUser {
        try await user(ctx, .owner, tenantID: try await TestTenant.create(in: ctx.database, name: "Billing tenant"))
    }

    /// A verified user of `role` in `tenantID`, with an access token the app accepts.
    static func user(_ ctx: BillingTestApp.Context, _ role: Role, tenantID: UUID) async throws -> TestUser {
        try await TestUsers.addUser(role: role, tenantID: tenantID, in: ctx.database, publicURL: ctx.configuration.publicURL)
    }

    static func subscription(_ ctx: BillingTestApp.Context, _ user: TestUser) async throws -> TestJSONResponse {
        try await ctx.client.requestJSON(.get, "/api/v2/billing/subscription", headers: user.authorization)
    }

    /// Polls `GET /billing/subscription` until `condition` holds (webhooks arrive in the background).
    @discardableResult
    static func waitForSubscription(
        _ ctx: BillingTestApp.Context, _ user: TestUser, _ what: String,
        until condition: ([String: Any]) -> Bool
    ) async throws -> [String: Any] {
        let deadline = ContinuousClock.now + .seconds(60)
        var last: [String: Any] = [:]
        while ContinuousClock.now < deadline {
            last = try await subscription(ctx, user).object
            if condition(last) { return last }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("subscription never became \(what); last: \(last)")
        throw TestUsers.FixtureError(description: "subscription never became \(what)")
    }

    /// `POST /billing/checkout`; returns the checkout page's path and the session id.
    static func checkout(_ ctx: BillingTestApp.Context, _ user: TestUser, plan: String, cycle: String = "monthly")
        async throws -> (path: String, sessionID: String) {
        let response = try await ctx.client.requestJSON(.post, "/api/v2/billing/checkout", headers: user.authorization,
                                                        body: ["plan_id": plan, "billing_cycle": cycle])
        #expect(response.status == 200, "\(response.text)")
        let url = try #require(response.object["checkout_url"] as? String)
        let sessionID = try #require(response.object["session_id"] as? String)
        return (try localPath(ctx, url), sessionID)
    }

    /// The path of a URL on the test server (its links are absolute, from PUBLIC_URL).
    static func localPath(_ ctx: BillingTestApp.Context, _ url: String) throws -> String {
        #expect(url.hasPrefix(ctx.configuration.publicURL + "/"), "\(url)")
        return String(url.dropFirst(ctx.configuration.publicURL.count))
    }

    static let payingCard = "4242 4242 4242 4242"
    static let decliningCard = "4000 0000 0000 0341"

    /// Opens a checkout page and submits its form with `card`, as a browser would. Returns the
    /// form's answer (303 to the success URL when paid).
    static func pay(_ ctx: BillingTestApp.Context, _ path: String, card: String, email: String? = nil) async throws -> TestJSONResponse {
        let page = try await ctx.client.requestJSON(.get, path)
        #expect(page.status == 200, "\(page.text)")
        #expect(page.text.contains("name=\"card_number\""))
        var fields = ["card_number": card, "name": "Test Payer"]
        if let email { fields["email"] = email }
        return try await postForm(ctx, path, fields)
    }

    /// Submits an HTML form (`application/x-www-form-urlencoded`).
    static func postForm(_ ctx: BillingTestApp.Context, _ path: String, _ fields: [String: String]) async throws -> TestJSONResponse {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let body = fields.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: allowed)!)" }.joined(separator: "&")
        return try await ctx.client.send(.post, path, headers: [.contentType: "application/x-www-form-urlencoded"],
                                         body: ByteBuffer(string: body))
    }

    /// A full paid checkout of `plan`, waiting until Gatehouse shows it.
    static func subscribe(_ ctx: BillingTestApp.Context, _ user: TestUser, plan: String, cycle: String = "monthly") async throws {
        let checkout = try await checkout(ctx, user, plan: plan, cycle: cycle)
        let paid = try await pay(ctx, checkout.path, card: payingCard)
        #expect(paid.status == 303, "\(paid.text)")
        try await waitForSubscription(ctx, user, "\(plan) active") {
            $0["plan_id"] as? String == plan && $0["status"] as? String == "active"
        }
    }

    // MARK: The simulator's test clocks and portal

    /// A test clock frozen at `time`, and a Stripe customer on it made the tenant's customer
    /// (as if its first checkout had created it), so the tenant's subscription lives in the
    /// clock's time.
    static func customerOnTestClock(_ ctx: BillingTestApp.Context, _ user: TestUser, at time: Date) async throws -> String {
        let clock = try await simulatorPOST(ctx, "/v1/test_helpers/test_clocks", ["frozen_time": "\(Int(time.timeIntervalSince1970))"])
        let clockID = try #require(clock["id"] as? String)
        let customer = try await ctx.stripe.createCustomer(email: user.email, name: "Billing tenant", testClock: clockID)
        _ = try await ctx.billing.attachStripeCustomer(tenantID: user.tenantID, customerID: customer.id)
        return clockID
    }

    /// Moves a test clock to `time`: renewals, failed payments, retries and cancellations up to
    /// then happen (and their webhooks are sent).
    static func advance(_ ctx: BillingTestApp.Context, clock: String, to time: Date) async throws {
        let answer = try await simulatorPOST(ctx, "/v1/test_helpers/test_clocks/\(clock)/advance",
                                             ["frozen_time": "\(Int(time.timeIntervalSince1970))"])
        #expect(answer["status"] as? String == "ready", "\(answer)")
    }

    /// `POST /billing/portal`; returns the portal page's path.
    static func portal(_ ctx: BillingTestApp.Context, _ user: TestUser) async throws -> String {
        let response = try await ctx.client.requestJSON(.post, "/api/v2/billing/portal", headers: user.authorization)
        #expect(response.status == 200, "\(response.text)")
        return try localPath(ctx, try #require(response.object["portal_url"] as? String))
    }

    /// A call to the simulator's own API with the test client (form-encoded, as Stripe's).
    static func simulatorPOST(_ ctx: BillingTestApp.Context, _ path: String, _ fields: [String: String]) async throws -> [String: Any] {
        let body = fields.map { "\($0.key)=\($0.value)" }.joined(separator: "&")
        let response = try await ctx.client.send(
            .post, "/stripe-sim" + path,
            headers: [.authorization: "Bearer \(AppConfiguration.simulatorSecretKey)", .contentType: "application/x-www-form-urlencoded"],
            body: ByteBuffer(string: body))
        #expect(response.status == 200, "\(path): \(response.text)")
        return response.object
    }

    static func simulatorGET(_ ctx: BillingTestApp.Context, _ path: String) async throws -> [String: Any] {
        let response = try await ctx.client.requestJSON(
            .get, "/stripe-sim" + path, headers: [.authorization: "Bearer \(AppConfiguration.simulatorSecretKey)"])
        #expect(response.status == 200, "\(path): \(response.text)")
        return response.object
    }
}
