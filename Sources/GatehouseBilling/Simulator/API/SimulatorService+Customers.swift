import Postgres

extension SimulatorService {
    /// `POST /v1/customers`.
    func createCustomer(_ request: SimulatorRequest) async throws -> SimulatorResponse {
        let params = request.params
        let email = try params.string("email"), name = try params.string("name")
        let description = try params.string("description")
        let metadata = try params.dictionary("metadata") ?? [:]
        let testClock = try params.string("test_clock")
        let card = try Self.testPaymentMethod(params)
        return try await transaction { session in
            var created = wallTime
            if let testClock {
                guard let clock = try await SimTestClock.find(testClock, in: session) else {
                    throw SimulatorError.noSuch("test_helpers.test_clock", testClock, param: "test_clock")
                }
                created = clock.frozenTime
            }
            var customer = SimCustomer(id: SimulatorID.make("cus", length: 14), email: email, name: name,
                                       description: description, metadata: metadata, testClock: testClock, created: created)
            if let card {
                customer.cardLast4 = card.last4
                customer.cardDeclines = card.declines
            }
            try await customer.insert(in: session)
            try await events.record("customer.created", object: customer.json, created: created, in: session)
            return .json(customer.json)
        }
    }

    /// `GET /v1/customers/{id}`.
    func retrieveCustomer(_ request: SimulatorRequest) async throws -> SimulatorResponse {
        let id = try request.requiredID
        return try await transaction { session in
            guard let customer = try await SimCustomer.find(id, in: session) else { throw SimulatorError.noSuch("customer", id) }
            return .json(customer.json)
        }
    }

    /// `POST /v1/customers/{id}`: email, name, description, metadata (merged; an empty value
    /// removes a key) and a test payment method.
    func updateCustomer(_ request: SimulatorRequest) async throws -> SimulatorResponse {
        let id = try request.requiredID
        let params = request.params
        let email = try params.string("email"), name = try params.string("name")
        let description = try params.string("description")
        let metadata = try params.dictionary("metadata")
        let card = try Self.testPaymentMethod(params)
        return try await transaction { session in
            guard var customer = try await SimCustomer.find(id, in: session, forUpdate: true), !customer.deleted else {
                throw SimulatorError.noSuch("customer", id)
            }
            let before = customer.json
            if let email { customer.email = email.isEmpty ? nil : email }
            if let name { customer.name = name.isEmpty ? nil : name }
            if let description { customer.description = description.isEmpty ? nil : description }
            if let metadata { customer.metadata = Self.merge(customer.metadata, metadata) }
            let now = try await self.now(testClock: customer.testClock, in: session)
            if let card {
                try await customer.save(in: session)
                try await billing.updateCard(&customer, last4: card.last4, declines: card.declines, at: now, in: session)
            } else {
                try await customer.save(in: session)
                if let previous = SimulatorEvents.changedFields(before: before, after: customer.json) {
                    try await events.record("customer.updated", object: customer.json, previousAttributes: previous,
                                            created: now, in: session)
                }
            }
            return .json(customer.json)
        }
    }

    /// Stripe's test payment methods by id (`payment_method` or
    /// `invoice_settings[default_payment_method]`): `pm_card_visa` pays,
    /// `pm_card_chargeCustomerFail` attaches but its charges fail, `pm_card_chargeDeclined`
    /// cannot be attached.
    static func testPaymentMethod(_ params: SimulatorParams) throws(SimulatorError) -> (last4: String, declines: Bool)? {
        let direct = try params.string("payment_method")
        let fromSettings = try params.string("invoice_settings", "default_payment_method")
        guard let id = direct ?? fromSettings else { return nil }
        switch id {
        case "pm_card_visa", "pm_card_mastercard", "tok_visa", "pm_card_us": return ("4242", false)
        case "pm_card_chargeCustomerFail", "tok_chargeCustomerFail": return ("0341", true)
        case "pm_card_chargeDeclined", "tok_chargeDeclined":
            throw SimulatorError(status: 402, type: "card_error", code: "card_declined", message: "Your card was declined.",
                                 param: "payment_method", declineCode: "generic_decline")
        default:
            throw SimulatorError.noSuch("PaymentMethod", id, param: "payment_method")
        }
    }

    /// Stripe's metadata update: keys are set, an empty value removes its key.
    static func merge(_ current: [String: String], _ update: [String: String]) -> [String: String] {
        if update.isEmpty { return [:] }
        var merged = current
        for (key, value) in update { merged[key] = value.isEmpty ? nil : value }
        return merged
    }
}
