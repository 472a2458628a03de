import Postgres

extension SimulatorService {
    /// `POST /v1/billing_portal/sessions`.
    func createPortalSession(_ request: SimulatorRequest) async throws -> SimulatorResponse {
        let customerID = try request.params.required("customer")
        let returnURL = try request.params.string("return_url")
        if let returnURL { try Self.checkURL(returnURL, param: "return_url") }
        return try await transaction { session in
            guard let customer = try await SimCustomer.find(customerID, in: session), !customer.deleted else {
                throw SimulatorError.noSuch("customer", customerID, param: "customer")
            }
            let portal = SimPortalSession(id: SimulatorID.make("bps"), customer: customer.id, returnURL: returnURL,
                                          created: try await now(testClock: customer.testClock, in: session))
            try await portal.insert(in: session)
            return .json(portal.json(pageURL: portalURL(portal.id)))
        }
    }
}
