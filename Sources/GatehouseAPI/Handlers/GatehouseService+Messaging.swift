import Foundation
import GatehouseCore
import GatehouseStore

/// The simulated messaging channel: sessions are `ready` at once, sends are recorded with
/// their cost. The key's general and per-class rate limits (messages per minute, sessions per
/// hour) were applied by the hot path before these run; the caps that need counting rows
/// (`max_sessions`, the plan's limits) are decided in the writing transaction.
extension GatehouseService {
    /// GET /api/v2/sessions
    func sessionsList(_ input: Operations.SessionsList.Input) async throws -> Operations.SessionsList.Output {
        let tenantID = try Self.currentTenant()
        let page = try await messaging.listSessions(
            tenantID: tenantID, limit: try KeysetPaging.limit(input.query.limit),
            after: try KeysetPaging.position(input.query.cursor))
        return .ok(.init(body: .json(.init(
            items: page.items.map { Self.sessionBody($0.session) },
            nextCursor: page.hasMore ? page.items.last?.position.cursor : nil))))
    }

    /// POST /api/v2/sessions
    func sessionsCreate(_ input: Operations.SessionsCreate.Input) async throws -> Operations.SessionsCreate.Output {
        let tenantID = try Self.currentTenant()
        guard case .json(let body) = input.body else { throw GatehouseError.invalidRequest("Send a JSON body.") }
        let name = body.name.trimmingCharacters(in: .whitespacesAndNewlines)
        try TextLength.check(name, field: "name", scalars: 1...64)
        if let phone = body.phoneNumber { try PhoneNumberRule.check(phone, field: "phone_number") }
        let created = try await messaging.createSession(
            tenantID: tenantID, apiKeyID: Self.currentKey()?.keyID, name: name, phoneNumber: body.phoneNumber,
            audit: .byRequest("messaging_session.create", changes: ["name": .string(name), "phone_number": .optional(body.phoneNumber)]))
        return .created(.init(body: .json(Self.sessionBody(created))))
    }

    /// GET /api/v2/sessions/{id}
    func sessionsGet(_ input: Operations.SessionsGet.Input) async throws -> Operations.SessionsGet.Output {
        let tenantID = try Self.currentTenant()
        guard let id = UUID(uuidString: input.path.id),
              let found = try await messaging.session(tenantID: tenantID, id: id) else {
            throw GatehouseError.notFound("session")
        }
        return .ok(.init(body: .json(Self.sessionBody(found))))
    }

    /// DELETE /api/v2/sessions/{id}
    func sessionsDelete(_ input: Operations.SessionsDelete.Input) async throws -> Operations.SessionsDelete.Output {
        let tenantID = try Self.currentTenant()
        guard let id = UUID(uuidString: input.path.id),
              try await messaging.deleteSession(tenantID: tenantID, id: id, audit: .byRequest("messaging_session.delete")) else {
            throw GatehouseError.notFound("session")
        }
        return .noContent(.init())
    }

    /// POST /api/v2/sessions/{id}/inbound
    func sessionsInbound(_ input: Operations.SessionsInbound.Input) async throws -> Operations.SessionsInbound.Output {
        let tenantID = try Self.currentTenant()
        guard case .json(let body) = input.body else { throw GatehouseError.invalidRequest("Send a JSON body.") }
        try PhoneNumberRule.check(body.from, field: "from")
        try Self.checkText(body.text)
        guard let id = UUID(uuidString: input.path.id),
              try await messaging.recordInbound(tenantID: tenantID, sessionID: id, from: body.from, text: body.text,
                                                now: keys.clock()) else {
            throw GatehouseError.notFound("session")
        }
        return .accepted(.init())
    }

    /// POST /api/v2/messages
    func messagesSend(_ input: Operations.MessagesSend.Input) async throws -> Operations.MessagesSend.Output {
        let tenantID = try Self.currentTenant()
        guard case .json(let body) = input.body else { throw GatehouseError.invalidRequest("Send a JSON body.") }
        guard let sessionID = UUID(uuidString: body.sessionId) else {
            throw GatehouseError.validation("session_id", "must be a UUID")
        }
        try PhoneNumberRule.check(body.to, field: "to")
        try Self.checkText(body.text)
        let message = try await messaging.send(
            tenantID: tenantID, apiKeyID: Self.currentKey()?.keyID, sessionID: sessionID,
            to: body.to, text: body.text, cost: messagePrice, now: keys.clock())
        return .accepted(.init(body: .json(Self.messageBody(message))))
    }

    /// POST /api/v2/messages/{id}/approve
    func messagesApprove(_ input: Operations.MessagesApprove.Input) async throws -> Operations.MessagesApprove.Output {
        // x-roles: owner/admin users only; the middleware has refused everyone else.
        guard case .user(let user)? = RequestScope.current?.principal else {
            throw GatehouseError(.forbidden, "Only an owner or admin may approve messages.")
        }
        guard let id = UUID(uuidString: input.path.id),
              let message = try await messaging.approve(
                tenantID: user.tenantID, messageID: id, userID: user.userID, audit: .byRequest("message.approve"),
                now: keys.clock()) else {
            throw GatehouseError.notFound("message")
        }
        return .ok(.init(body: .json(Self.messageBody(message))))
    }

    // MARK: - Helpers

    /// The tenant of the authenticated principal (every messaging operation has one).
    static func currentTenant() throws -> UUID {
        guard let tenantID = RequestScope.current?.principal?.tenantID else { throw GatehouseError.unauthorized }
        return tenantID
    }

    /// The API key behind the request, when it came with one.
    static func currentKey() -> KeyIdentity? {
        if case .apiKey(let key)? = RequestScope.current?.principal { return key }
        return nil
    }

    static func checkText(_ text: String) throws {
        try TextLength.check(text, field: "text", scalars: 1...4096)
    }

    static func sessionBody(_ session: MessagingSession) -> Components.Schemas.Session {
        .init(id: session.id.uuidString.lowercased(), name: session.name, state: .ready,
              phoneNumber: session.phoneNumber, messagesSent: session.messagesSent,
              messagesReceived: session.messagesReceived, createdAt: session.createdAt)
    }

    static func messageBody(_ message: OutboundMessage) -> Components.Schemas.Message {
        .init(id: message.id.uuidString.lowercased(), sessionId: message.sessionID.uuidString.lowercased(),
              to: message.to, status: message.status == "pending_approval" ? .pendingApproval : .sent,
              cost: message.cost.description, createdAt: message.createdAt)
    }
}
