import Foundation
import GatehouseCore
import Postgres

/// `BillingRepository` over Postgres. Subscriptions are tenant rows (forced RLS) reached through
/// `withTenant`; Stripe events and signup checkouts are platform tables reached only through
/// the narrow `platform_*` functions of migrations 0001 and 0050.
public struct PostgresBillingRepository: BillingRepository {
    let database: Database

    public init(database: Database) {
        self.database = database
    }

    static let planColumns = """
        p.id, p.display_name, p.price_monthly, p.price_yearly, p.currency, p.max_sessions,
        p.max_messages_per_month, p.max_groups, p.max_labels, p.ai_replies_per_month
        """

    static func decodePlan(_ row: PostgresRow) throws -> Plan {
        // numeric(12,2) always fits Money; a failure means the schema changed.
        guard let monthly = Money(exactly: try row.decode("price_monthly", as: Decimal.self)),
              let yearly = Money(exactly: try row.decode("price_yearly", as: Decimal.self)) else {
            throw GatehouseError(.internal, "An internal error occurred.")
        }
        return Plan(
            id: try row.decode("id"), displayName: try row.decode("display_name"),
            priceMonthly: monthly, priceYearly: yearly, currency: try row.decode("currency"),
            limits: PlanLimits(
                maxSessions: try row.decode("max_sessions"),
                maxMessagesPerMonth: try row.decode("max_messages_per_month"),
                maxGroups: try row.decode("max_groups"),
                maxLabels: try row.decode("max_labels"),
                aiRepliesPerMonth: try row.decode("ai_replies_per_month")))
    }

    public func plans() async throws -> [Plan] {
        try await database.withPlatform { db in
            try await db.query("SELECT \(unescaped: Self.planColumns) FROM plans p ORDER BY p.sort_order, p.id")
                .map(Self.decodePlan)
        }
    }

    public func stripePriceIDs() async throws -> [PlanPriceID] {
        try await database.withPlatform { db in
            try await db.query("SELECT id, stripe_price_monthly, stripe_price_yearly FROM plans").flatMap { row in
                let planID: String = try row.decode("id")
                return [
                    try row.decode("stripe_price_monthly", as: String?.self).map { PlanPriceID(planID: planID, cycle: .monthly, priceID: $0) },
                    try row.decode("stripe_price_yearly", as: String?.self).map { PlanPriceID(planID: planID, cycle: .yearly, priceID: $0) },
                ].compactMap { $0 }
            }
        }
    }

    public func subscription(tenantID: UUID) async throws -> TenantSubscription {
        try await database.withTenant(tenantID) { db in
            // A tenant without a subscription row is on `free` (the messaging limits read it the same way).
            guard let row = try await db.query("""
                SELECT \(unescaped: Self.planColumns),
                       COALESCE(s.status, 'active') AS status, COALESCE(s.billing_cycle, 'monthly') AS billing_cycle,
                       s.current_period_end, COALESCE(s.cancel_at_period_end, false) AS cancel_at_period_end,
                       s.stripe_customer_id, s.stripe_subscription_id
                  FROM tenants t
                  LEFT JOIN subscriptions s ON s.tenant_id = t.id
                  JOIN plans p ON p.id = COALESCE(s.plan_id, 'free')
                 WHERE t.id = \(tenantID)
                """).first else {
                throw GatehouseError(.unauthorized, "The tenant no longer exists.")
            }
            return TenantSubscription(
                plan: try Self.decodePlan(row),
                status: SubscriptionStatus(rawValue: try row.decode("status")) ?? .active,
                billingCycle: BillingCycle(rawValue: try row.decode("billing_cycle")) ?? .monthly,
                currentPeriodEnd: try row.decode("current_period_end"),
                cancelAtPeriodEnd: try row.decode("cancel_at_period_end"),
                stripeCustomerID: try row.decode("stripe_customer_id"),
                stripeSubscriptionID: try row.decode("stripe_subscription_id"))
        }
    }

    public func billingContact(tenantID: UUID) async throws -> (tenantName: String, email: String?) {
        try await database.withTenant(tenantID) { db in
            guard let row = try await db.query("""
                SELECT t.name,
                       (SELECT u.email FROM users u
                         WHERE u.tenant_id = t.id AND u.role = 'owner'
                         ORDER BY u.created_at, u.id LIMIT 1) AS email
                  FROM tenants t WHERE t.id = \(tenantID)
                """).first else {
                throw GatehouseError(.unauthorized, "The tenant no longer exists.")
            }
            return (try row.decode("name"), try row.decode("email"))
        }
    }

    public func attachStripeCustomer(tenantID: UUID, customerID: String) async throws -> String {
        try await database.withTenant(tenantID) { db in
            try await Self.ensureSubscriptionRow(db, tenantID: tenantID)
            return try await db.query("""
                UPDATE subscriptions SET stripe_customer_id = COALESCE(stripe_customer_id, \(customerID))
                 WHERE tenant_id = \(tenantID)
                RETURNING stripe_customer_id
                """).first!.decode("stripe_customer_id")
        }
    }

    public func tenant(stripeCustomerID: String?, stripeSubscriptionID: String?) async throws -> UUID? {
        try await database.withPlatform { db in
            try await db.query("""
                SELECT platform_find_subscription_tenant(\(stripeCustomerID), \(stripeSubscriptionID)) AS tenant_id
                """).first!.decode("tenant_id")
        }
    }

    public func applySubscription(_ snapshot: SubscriptionSnapshot, tenantID: UUID, event: StripeEventRef?, actor: AuditActor)
        async throws -> SubscriptionApplyOutcome {
        try await database.withTenant(tenantID) { db in
            if let event, try await !Self.recordEvent(db, event) { return .duplicate }
            try await Self.ensureSubscriptionRow(db, tenantID: tenantID)
            let current = try await db.query("""
                SELECT plan_id, stripe_subscription_id, stripe_synced_at, cancel_at_period_end
                  FROM subscriptions WHERE tenant_id = \(tenantID) FOR UPDATE
                """).first!
            let previousPlan: String = try current.decode("plan_id")
            let wasCanceling: Bool = try current.decode("cancel_at_period_end")
            let currentSubscription: String? = try current.decode("stripe_subscription_id")
            let outcome: SubscriptionApplyOutcome
            if let syncedAt = try current.decode("stripe_synced_at", as: Date?.self), syncedAt > snapshot.readAt {
                outcome = .ignored
            } else if snapshot.status.hasEnded {
                // Only the tenant's own subscription ending sends it back to free; an older,
                // replaced subscription ending changes nothing.
                if currentSubscription == snapshot.subscriptionID {
                    try await db.execute("""
                        UPDATE subscriptions
                           SET plan_id = 'free', status = 'active', billing_cycle = 'monthly',
                               current_period_start = NULL, current_period_end = NULL,
                               cancel_at_period_end = false, stripe_subscription_id = NULL,
                               stripe_synced_at = \(snapshot.readAt)
                         WHERE tenant_id = \(tenantID)
                        """)
                    outcome = .applied(previousPlanID: previousPlan, planID: Plan.freeID)
                } else {
                    outcome = .ignored
                }
            } else if snapshot.status == .incomplete && currentSubscription != snapshot.subscriptionID {
                // Not paid yet: a subscription becomes the tenant's plan once its first invoice is paid.
                outcome = .ignored
            } else {
                try await db.execute("""
                    UPDATE subscriptions
                       SET plan_id = \(snapshot.planID), status = \(snapshot.status.rawValue),
                           billing_cycle = \(snapshot.billingCycle.rawValue),
                           current_period_start = \(snapshot.currentPeriodStart),
                           current_period_end = \(snapshot.currentPeriodEnd),
                           cancel_at_period_end = \(snapshot.cancelAtPeriodEnd),
                           stripe_customer_id = \(snapshot.customerID),
                           stripe_subscription_id = \(snapshot.subscriptionID),
                           stripe_synced_at = \(snapshot.readAt)
                     WHERE tenant_id = \(tenantID)
                    """)
                outcome = .applied(previousPlanID: previousPlan, planID: snapshot.planID)
            }
            if case .applied(let previous, let plan) = outcome, previous != plan {
                try await AuditLog.append(AuditEvent(
                    actor: actor, action: "subscription.plan_change", targetType: "subscription",
                    targetID: snapshot.subscriptionID,
                    changes: ["from": .string(previous), "to": .string(plan), "status": .string(snapshot.status.rawValue),
                              "billing_cycle": .string(snapshot.billingCycle.rawValue),
                              "stripe_event": event.map { .string($0.type) } ?? .null]), tenantID: tenantID, in: db)
            } else if case .applied = outcome, snapshot.cancelAtPeriodEnd != wasCanceling, !snapshot.status.hasEnded {
                // Same plan, but it now ends with its period (POST /billing/cancel, the portal) or no longer does.
                try await AuditLog.append(AuditEvent(
                    actor: actor, action: "subscription.update", targetType: "subscription",
                    targetID: snapshot.subscriptionID,
                    changes: ["cancel_at_period_end": .bool(snapshot.cancelAtPeriodEnd),
                              "stripe_event": event.map { .string($0.type) } ?? .null]), tenantID: tenantID, in: db)
            }
            if let event { try await Self.markEventProcessed(db, event) }
            return outcome
        }
    }

    public func recordEventWithoutEffect(_ event: StripeEventRef) async throws -> Bool {
        try await database.withPlatform { db in
            guard try await Self.recordEvent(db, event) else { return false }
            try await Self.markEventProcessed(db, event)
            return true
        }
    }

    public func unprocessedEvents(_ eventIDs: [String]) async throws -> Set<String> {
        guard !eventIDs.isEmpty else { return [] }
        return try await database.withPlatform { db in
            Set(try await db.query("SELECT id FROM platform_unprocessed_stripe_events(\(eventIDs)) AS u (id)")
                .map { try $0.decode("id", as: String.self) })
        }
    }

    public func openSignupCheckout(_ pending: PendingSignupCheckout) async throws {
        try await database.withPlatform { db in
            try await db.execute("""
                SELECT platform_open_signup_checkout(
                    \(pending.checkoutSessionID), \(pending.email), \(pending.fullName), \(pending.tenantName),
                    \(pending.planID), \(pending.billingCycle.rawValue), \(pending.expiresAt))
                """)
        }
    }

    public func isSignupCheckout(_ checkoutSessionID: String) async throws -> Bool {
        try await database.withPlatform { db in
            try await db.query("SELECT platform_is_signup_checkout(\(checkoutSessionID)) AS found").first!.decode("found")
        }
    }

    public func completeSignupCheckout(
        _ checkoutSessionID: String, tenantID: UUID, snapshot: SubscriptionSnapshot, event: StripeEventRef?,
        magicLinkHash: Data, mail: @Sendable (_ email: String) -> OutgoingMail
    ) async throws -> SignupCompletion {
        do {
            return try await database.withTenant(tenantID) { db in
                if let event, try await !Self.recordEvent(db, event) { return .duplicate }
                guard let pending = try await db.query("""
                    SELECT email, full_name, tenant_name FROM platform_complete_signup_checkout(\(checkoutSessionID))
                    """).first else {
                    if let event { try await Self.markEventProcessed(db, event) }
                    return .notPending
                }
                let email: String = try pending.decode("email")
                let fullName: String = try pending.decode("full_name")
                let tenantName: String = try pending.decode("tenant_name")
                try await db.execute("INSERT INTO tenants (id, name) VALUES (\(tenantID), \(tenantName))")
                try await db.execute("""
                    INSERT INTO subscriptions (tenant_id, plan_id, status, billing_cycle, current_period_start,
                                               current_period_end, cancel_at_period_end, stripe_customer_id,
                                               stripe_subscription_id, stripe_synced_at)
                    VALUES (\(tenantID), \(snapshot.planID), \(snapshot.status.rawValue), \(snapshot.billingCycle.rawValue),
                            \(snapshot.currentPeriodStart), \(snapshot.currentPeriodEnd), \(snapshot.cancelAtPeriodEnd),
                            \(snapshot.customerID), \(snapshot.subscriptionID), \(snapshot.readAt))
                    """)
                try await db.execute("INSERT INTO tenant_settings (tenant_id) VALUES (\(tenantID))")
                let userID: UUID = try await db.query("""
                    INSERT INTO users (tenant_id, email, full_name, role)
                    VALUES (\(tenantID), \(email), \(fullName), 'owner')
                    RETURNING id
                    """).first!.decode("id")
                try await PostgresAccountRepository.insertOneTimeToken(
                    db, tenantID: tenantID, userID: userID, purpose: .magicLink, tokenHash: magicLinkHash, mail: mail(email))
                if let event { try await Self.markEventProcessed(db, event) }
                return .created(tenantID: tenantID, userID: userID)
            }
        } catch let error as PostgresError where error.isUniqueViolation && error.constraint == "users_email_lower_key" {
            throw AccountError.emailTaken
        }
    }

    public func expireSignupCheckouts(now: Date) async throws -> Int {
        try await database.withPlatform { db in
            try await db.query("SELECT platform_expire_signup_checkouts(\(now)) AS n").first!.decode("n")
        }
    }

    // MARK: Statements shared inside a transaction.

    /// Tenants made before billing (or by tests) may have no subscription row: start them on free.
    static func ensureSubscriptionRow(_ db: PostgresSession, tenantID: UUID) async throws {
        try await db.execute("""
            INSERT INTO subscriptions (tenant_id, plan_id, status) VALUES (\(tenantID), 'free', 'active')
            ON CONFLICT (tenant_id) DO NOTHING
            """)
    }

    /// True if the event is new (or recorded but never applied); its row stays locked until the
    /// transaction ends, so a concurrent duplicate delivery waits and then sees it applied.
    static func recordEvent(_ db: PostgresSession, _ event: StripeEventRef) async throws -> Bool {
        try await db.query("SELECT platform_record_stripe_event(\(event.id), \(event.type)) AS fresh").first!.decode("fresh")
    }

    static func markEventProcessed(_ db: PostgresSession, _ event: StripeEventRef) async throws {
        _ = try await db.query("SELECT platform_mark_stripe_event_processed(\(event.id))")
    }
}
