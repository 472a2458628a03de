import Postgres

extension SimulatorService {
    /// `GET /v1/subscriptions?customer=&status=`: not canceled ones unless `status` says so.
    func listSubscriptions(_ request: SimulatorRequest) async throws -> SimulatorResponse {
        let customer = try request.params.string("customer")
        let status = try request.params.string("status")
        let limit = try Self.limit(request.params)
        return try await transaction { session in
            let rows = try await session.query("""
                SELECT \(unescaped: SimSubscription.columns) FROM stripe_sim.subscriptions
                 WHERE (\(customer)::text IS NULL OR customer = \(customer))
                   AND CASE WHEN \(status)::text IS NULL THEN status <> 'canceled'
                            WHEN \(status) = 'all' THEN true ELSE status = \(status) END
                 ORDER BY created DESC, id DESC LIMIT \(limit + 1)
                """)
            let subscriptions = try await SimSubscription.load(rows, in: session)
            return .json(.list(subscriptions.prefix(limit).map(\.json), url: "/v1/subscriptions",
                               hasMore: subscriptions.count > limit))
        }
    }

    /// `GET /v1/subscriptions/{id}`.
    func retrieveSubscription(_ request: SimulatorRequest) async throws -> SimulatorResponse {
        let id = try request.requiredID
        return try await transaction { session in
            guard let subscription = try await SimSubscription.find(id, in: session) else {
                throw SimulatorError.noSuch("subscription", id)
            }
            return .json(subscription.json)
        }
    }

    /// `POST /v1/subscriptions/{id}`: `items[0][price]` (with `items[0][id]`) switches the
    /// price, `cancel_at_period_end` schedules or withdraws the cancellation, `metadata` merges.
    func updateSubscription(_ request: SimulatorRequest) async throws -> SimulatorResponse {
        let id = try request.requiredID
        let params = request.params
        let itemID = try params.string("items", "0", "id")
        let priceID = try params.string("items", "0", "price")
        let cancelAtPeriodEnd = try params.bool("cancel_at_period_end")
        let metadata = try params.dictionary("metadata")
        if let proration = try params.string("proration_behavior"),
           !["create_prorations", "none", "always_invoice"].contains(proration) {
            throw SimulatorError.invalidRequest("Invalid proration_behavior: must be one of create_prorations, none, or always_invoice",
                                                param: "proration_behavior")
        }
        return try await transaction { session in
            guard var subscription = try await SimSubscription.find(id, in: session, forUpdate: true) else {
                throw SimulatorError.noSuch("subscription", id)
            }
            if subscription.status == "canceled" && (priceID != nil || cancelAtPeriodEnd != nil) {
                throw SimulatorError.invalidRequest(
                    "A canceled subscription can only update its cancellation_details and metadata.", param: priceID != nil ? "items" : "cancel_at_period_end")
            }
            if let itemID, itemID != subscription.itemID {
                throw SimulatorError.noSuch("subscription item", itemID, param: "items[0][id]")
            }
            let now = try await self.now(testClock: subscription.testClock, in: session)
            let newMetadata = metadata.map { Self.merge(subscription.metadata, $0) }
            if let priceID, priceID != subscription.price.id {
                guard let price = try await SimPrice.find(priceID, in: session), price.active else {
                    throw SimulatorError.noSuch("price", priceID, param: "items[0][price]")
                }
                try await billing.switchPrice(&subscription, to: price, metadata: newMetadata, at: now, in: session)
            } else if let newMetadata {
                let before = subscription.json
                subscription.metadata = newMetadata
                try await subscription.save(in: session)
                try await events.recordUpdate(of: subscription, before: before, at: now, in: session)
            }
            if let cancelAtPeriodEnd, cancelAtPeriodEnd != subscription.cancelAtPeriodEnd, subscription.status != "canceled" {
                try await billing.setCancelAtPeriodEnd(&subscription, cancelAtPeriodEnd, at: now, in: session)
            }
            return .json(subscription.json)
        }
    }

    /// `DELETE /v1/subscriptions/{id}`: ends it now. Cancelling a canceled subscription
    /// answers it unchanged, so a retried call is harmless.
    func cancelSubscription(_ request: SimulatorRequest) async throws -> SimulatorResponse {
        let id = try request.requiredID
        return try await transaction { session in
            guard var subscription = try await SimSubscription.find(id, in: session, forUpdate: true) else {
                throw SimulatorError.noSuch("subscription", id)
            }
            if subscription.status != "canceled" {
                let now = try await self.now(testClock: subscription.testClock, in: session)
                try await billing.end(&subscription, at: now, in: session)
            }
            return .json(subscription.json)
        }
    }

    /// `limit` of a list call: 1 to 100, default 10.
    static func limit(_ params: SimulatorParams) throws(SimulatorError) -> Int {
        let limit = try params.int("limit") ?? 10
        guard (1...100).contains(limit) else {
            throw SimulatorError.invalidRequest("Invalid limit: must be between 1 and 100", param: "limit")
        }
        return Int(limit)
    }
}
