import Postgres

extension SimulatorService {
    /// `POST /v1/test_helpers/test_clocks` (`frozen_time` required, `name`).
    func createTestClock(_ request: SimulatorRequest) async throws -> SimulatorResponse {
        let frozenTime = try request.params.int("frozen_time")
        guard let frozenTime else { throw SimulatorError.missing("frozen_time") }
        let name = try request.params.string("name")
        return try await transaction { session in
            let clock = SimTestClock(id: SimulatorID.make("clock"), name: name, frozenTime: frozenTime, created: wallTime)
            try await clock.insert(in: session)
            return .json(clock.json)
        }
    }

    /// `GET /v1/test_helpers/test_clocks/{id}`.
    func retrieveTestClock(_ request: SimulatorRequest) async throws -> SimulatorResponse {
        let id = try request.requiredID
        return try await transaction { session in
            guard let clock = try await SimTestClock.find(id, in: session) else {
                throw SimulatorError.noSuch("test_helpers.test_clock", id)
            }
            return .json(clock.json)
        }
    }

    /// `POST /v1/test_helpers/test_clocks/{id}/advance` (`frozen_time`): runs every renewal,
    /// failed payment, retry and scheduled cancellation of the clock's customers up to the new
    /// time, in order, each event stamped with its own simulated time. Stripe advances in the
    /// background and answers `advancing`; the simulator has finished when it answers, so the
    /// clock is `ready` at once.
    func advanceTestClock(_ request: SimulatorRequest) async throws -> SimulatorResponse {
        let id = try request.requiredID
        guard let frozenTime = try request.params.int("frozen_time") else { throw SimulatorError.missing("frozen_time") }
        return try await transaction { session in
            guard var clock = try await SimTestClock.find(id, in: session, forUpdate: true) else {
                throw SimulatorError.noSuch("test_helpers.test_clock", id)
            }
            guard frozenTime > clock.frozenTime else {
                throw SimulatorError.invalidRequest(
                    "The test clock cannot be advanced to \(frozenTime): it must be after its current frozen_time \(clock.frozenTime).",
                    param: "frozen_time")
            }
            try await billing.runDue(clock: clock.id, until: frozenTime, in: session)
            clock.frozenTime = frozenTime
            clock.status = "ready"
            try await clock.save(in: session)
            return .json(clock.json)
        }
    }
}
