import GatehouseCore

// Scaffolding: every Messaging operation answers 501 until issue #5 implements it.
extension GatehouseService {
    /// GET /api/v2/sessions
    func sessionsList(_ input: Operations.SessionsList.Input) async throws -> Operations.SessionsList.Output {
        throw GatehouseError(.notImplemented, "GET /api/v2/sessions is not implemented yet.")
    }

    /// POST /api/v2/sessions
    func sessionsCreate(_ input: Operations.SessionsCreate.Input) async throws -> Operations.SessionsCreate.Output {
        throw GatehouseError(.notImplemented, "POST /api/v2/sessions is not implemented yet.")
    }

    /// GET /api/v2/sessions/{id}
    func sessionsGet(_ input: Operations.SessionsGet.Input) async throws -> Operations.SessionsGet.Output {
        throw GatehouseError(.notImplemented, "GET /api/v2/sessions/{id} is not implemented yet.")
    }

    /// DELETE /api/v2/sessions/{id}
    func sessionsDelete(_ input: Operations.SessionsDelete.Input) async throws -> Operations.SessionsDelete.Output {
        throw GatehouseError(.notImplemented, "DELETE /api/v2/sessions/{id} is not implemented yet.")
    }

    /// POST /api/v2/sessions/{id}/inbound
    func sessionsInbound(_ input: Operations.SessionsInbound.Input) async throws -> Operations.SessionsInbound.Output {
        throw GatehouseError(.notImplemented, "POST /api/v2/sessions/{id}/inbound is not implemented yet.")
    }

    /// POST /api/v2/messages
    func messagesSend(_ input: Operations.MessagesSend.Input) async throws -> Operations.MessagesSend.Output {
        throw GatehouseError(.notImplemented, "POST /api/v2/messages is not implemented yet.")
    }

    /// POST /api/v2/messages/{id}/approve
    func messagesApprove(_ input: Operations.MessagesApprove.Input) async throws -> Operations.MessagesApprove.Output {
        throw GatehouseError(.notImplemented, "POST /api/v2/messages/{id}/approve is not implemented yet.")
    }
}
