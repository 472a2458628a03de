import Foundation
import GatehouseStore
import GatehouseTestSupport
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Postgres
import Testing

extension BillingSuites {
    /// Signing up by paying: nothing exists until the checkout completes; then tenant, owner and
    /// paid subscription exist together and a sign-in link is mailed. An abandoned checkout leaves
    /// only an expired pending row.
    @Suite("Billing: signup by checkout")
    struct BillingSignupCheckoutTests {
        static func start(_ ctx: BillingTestApp.Context, email: String, plan: String = "starter", cycle: String = "yearly")
            async throws -> TestJSONResponse {
            try await ctx.client.requestJSON(.post, "/api/v2/billing/signup-checkout", body: [
                "email": email, "full_name": "Ana Lima", "tenant_name": "Lima Labs", "plan_id": plan, "billing_cycle": cycle])
        }

        /// The pending row's status, read as the platform role sees it (the server role has no access).
        static func pendingStatus(_ sessionID: String) async throws -> String? {
            let pool = try await TestDatabase.ownerPool(maxConnections: 1)
            defer { Task { await pool.shutdown() } }
            return try await pool.withConnection { session in
                try await session.query("SELECT status FROM checkout_sessions WHERE id = \(sessionID)").first?.decode("status", as: String.self)
            }
        }

        @Test func theAccountExistsOnlyOnceTheCheckoutIsPaid() async throws {
            try await BillingTestApp.run { ctx in
                let accounts = PostgresAccountRepository(database: ctx.database)
                let email = TestUsers.uniqueEmail("payer")
                let started = try await Self.start(ctx, email: email)
                #expect(started.status == 200, "\(started.text)")
                let sessionID = try #require(started.object["session_id"] as? String)
                let path = try BillingFixtures.localPath(ctx, try #require(started.object["checkout_url"] as? String))
                #expect(try await accounts.findLogin(email: email) == nil)
                #expect(try await Self.pendingStatus(sessionID) == "open")

                // A declined card creates nothing either.
                #expect(try await BillingFixtures.pay(ctx, path, card: BillingFixtures.decliningCard).status == 402)
                #expect(try await accounts.findLogin(email: email) == nil)

                let paid = try await BillingFixtures.pay(ctx, path, card: BillingFixtures.payingCard)
                #expect(paid.status == 303)
                // Back to the console's sign-in page, which says the sign-in link is on its way.
                let back = try #require(paid.headers[.location])
                #expect(back.hasPrefix(ctx.configuration.publicURL + "/console/sign-in?done=subscribed&session_id="), "\(back)")
                let landing = try await ctx.client.send(.get, try BillingFixtures.localPath(ctx, back))
                #expect(landing.text.contains("Thank you for subscribing."))
                let mail = try await TestMail.waitFor(to: email, subject: "Your Gatehouse account is ready")
                // The link opens the console's sign-in page for the link.
                #expect(mail.contains(ctx.configuration.publicURL + "/auth/magic-link?token="))
                #expect(try await Self.pendingStatus(sessionID) == "complete")

                // The mailed link signs the new owner in; the tenant is on the plan it paid for.
                let signedIn = try await ctx.client.requestJSON(.post, "/api/v2/auth/magic-link/verify",
                                                                body: ["token": try TestMail.token(in: mail)])
                #expect(signedIn.status == 200, "\(signedIn.text)")
                let user = try #require(signedIn.object["user"] as? [String: Any])
                #expect(user["email"] as? String == email)
                #expect(user["role"] as? String == "owner")
                #expect(user["full_name"] as? String == "Ana Lima")
                #expect(user["email_verified"] as? Bool == true)
                #expect(user["has_password"] as? Bool == false)
                let token = try #require(signedIn.object["access_token"] as? String)
                let subscription = try await ctx.client.requestJSON(.get, "/api/v2/billing/subscription",
                                                                    headers: [.authorization: "Bearer \(token)"])
                #expect(subscription.object["plan_id"] as? String == "starter")
                #expect(subscription.object["billing_cycle"] as? String == "yearly")
                #expect(subscription.object["status"] as? String == "active")

                // The email now has an account: a second signup checkout is refused.
                let again = try await Self.start(ctx, email: email)
                #expect(again.status == 409, "\(again.text)")
            }
        }

        @Test func anAbandonedCheckoutLeavesOnlyAnExpiredPendingRow() async throws {
            try await BillingTestApp.run { ctx in
                let email = TestUsers.uniqueEmail("abandoner")
                let started = try await Self.start(ctx, email: email, plan: "pro", cycle: "monthly")
                #expect(started.status == 200, "\(started.text)")
                let sessionID = try #require(started.object["session_id"] as? String)

                // A day later housekeeping expires it; no tenant, user or mail was ever made.
                _ = try await ctx.billing.expireSignupCheckouts(now: Date().addingTimeInterval(24 * 3600 + 60))
                #expect(try await Self.pendingStatus(sessionID) == "expired")
                #expect(try await PostgresAccountRepository(database: ctx.database).findLogin(email: email) == nil)
                #expect(TestMail.mails(to: email).isEmpty)
            }
        }

        @Test func badInputIsRefusedAndCreatesNothing() async throws {
            try await BillingTestApp.run { ctx in
                for body: [String: Any] in [
                    ["email": "not-an-email", "full_name": "A", "tenant_name": "B", "plan_id": "pro", "billing_cycle": "monthly"],
                    ["email": TestUsers.uniqueEmail(), "full_name": "", "tenant_name": "B", "plan_id": "pro", "billing_cycle": "monthly"],
                    ["email": TestUsers.uniqueEmail(), "full_name": "A", "tenant_name": "B", "plan_id": "free", "billing_cycle": "monthly"],
                    ["email": TestUsers.uniqueEmail(), "full_name": "A", "tenant_name": "B", "plan_id": "pro"],
                ] {
                    let response = try await ctx.client.requestJSON(.post, "/api/v2/billing/signup-checkout", body: body)
                    #expect([400, 422].contains(response.status), "\(body): \(response.text)")
                    #expect((response.object["errors"] as? [[String: Any]])?.isEmpty == false, "\(body): \(response.text)")
                }
                let taken = try await ctx.client.signUp()
                let response = try await Self.start(ctx, email: taken.email)
                #expect(response.status == 409, "\(response.text)")
                #expect(response.error == "conflict")
            }
        }
    }
}
