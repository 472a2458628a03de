import Postgres

extension SimulatorService {
    /// `GET /v1/invoices?subscription=&customer=`, newest first.
    func listInvoices(_ request: SimulatorRequest) async throws -> SimulatorResponse {
        let subscription = try request.params.string("subscription")
        let customer = try request.params.string("customer")
        let limit = try Self.limit(request.params)
        return try await transaction { session in
            let invoices = try await session.query("""
                SELECT \(unescaped: SimInvoice.columns) FROM stripe_sim.invoices
                 WHERE (\(subscription)::text IS NULL OR subscription = \(subscription))
                   AND (\(customer)::text IS NULL OR customer = \(customer))
                 ORDER BY created DESC, id DESC LIMIT \(limit + 1)
                """).map(SimInvoice.init)
            return .json(.list(invoices.prefix(limit).map(\.json), url: "/v1/invoices", hasMore: invoices.count > limit))
        }
    }

    /// `GET /v1/invoices/{id}`.
    func retrieveInvoice(_ request: SimulatorRequest) async throws -> SimulatorResponse {
        let id = try request.requiredID
        return try await transaction { session in
            guard let invoice = try await SimInvoice.find(id, in: session) else { throw SimulatorError.noSuch("invoice", id) }
            return .json(invoice.json)
        }
    }

    /// `GET /v1/prices`: the seeded prices of Gatehouse's plans.
    func listPrices(_ request: SimulatorRequest) async throws -> SimulatorResponse {
        try await transaction { session in
            .json(.list(try await SimPrice.all(in: session).map(\.json), url: "/v1/prices"))
        }
    }

    /// `GET /v1/prices/{id}`.
    func retrievePrice(_ request: SimulatorRequest) async throws -> SimulatorResponse {
        let id = try request.requiredID
        return try await transaction { session in
            guard let price = try await SimPrice.find(id, in: session) else { throw SimulatorError.noSuch("price", id) }
            return .json(price.json)
        }
    }

    /// `GET /v1/products/{id}`.
    func retrieveProduct(_ request: SimulatorRequest) async throws -> SimulatorResponse {
        let id = try request.requiredID
        return try await transaction { session in
            guard let product = try await SimProduct.find(id, in: session) else { throw SimulatorError.noSuch("product", id) }
            return .json(product.json)
        }
    }
}
