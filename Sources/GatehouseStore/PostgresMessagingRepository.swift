import Foundation
import GatehouseCore
import Postgres

/// `MessagingRepository` over Postgres. The caps are exact under concurrency because each
/// creating transaction first locks the tenant's row (`SELECT … FOR NO KEY UPDATE`), then counts
/// and inserts: creates and sends of one tenant take turns, and each sees the rows the previous
/// one committed (READ COMMITTED takes a fresh snapshot per statement). The tenant row exists for
/// every tenant, unlike its subscription row, so it is the lock every path can take.
///
/// `NO KEY UPDATE`, not `UPDATE`: every insert of a row that references the tenant (an inbound
/// message) takes `KEY SHARE` on it for the foreign key. `FOR UPDATE` conflicts with that, so an
/// inbound message holding its session row waited for a send holding the tenant row, while the
/// send waited for the session row to count the message: a deadlock. `NO KEY UPDATE` still
/// serialises the creating paths with one another and leaves foreign-key checks alone.
///
/// Lock order within a transaction: tenant row, then the message (with its daily rollup row,
/// written by trigger), then the session row's counters. Every path keeps it.
public struct PostgresMessagingRepository: MessagingRepository {
    let database: Database

    public init(database: Database) {
        self.database = database
    }

    static let columns = """
        s.id, s.tenant_id, s.api_key_id, s.name, s.state, s.phone_number, s.messages_sent,
        s.messages_received, s.created_at
        """

    static func decodeSession(_ row: PostgresRow) throws -> MessagingSession {
        MessagingSession(
            id: try row.decode("id"),
            tenantID: try row.decode("tenant_id"),
            apiKeyID: try row.decode("api_key_id"),
            name: try row.decode("name"),
            state: try row.decode("state"),
            phoneNumber: try row.decode("phone_number"),
            messagesSent: try row.decode("messages_sent"),
            messagesReceived: try row.decode("messages_received"),
            createdAt: try row.decode("created_at"))
    }

    static let messageColumns = "m.id, m.session_id, m.peer_number, m.status, m.cost, m.created_at"

    static func decodeMessage(_ row: PostgresRow) throws -> OutboundMessage {
        let cost = try row.decode("cost", as: Decimal.self)
        // numeric(20,6) always fits; a failure here means the schema changed.
        guard let money = Money(exactly: cost) else { throw GatehouseError(.internal, "An internal error occurred.") }
        return OutboundMessage(
            id: try row.decode("id"),
            sessionID: try row.decode("session_id"),
            to: try row.decode("peer_number"),
            status: try row.decode("status"),
            cost: money,
            createdAt: try row.decode("created_at"))
    }

    /// Locks the tenant's row for the rest of the transaction and reads the plan limits
    /// (a tenant without a subscription row is on `free`) and the messaging settings.
    private func lockTenant(_ session: PostgresSession, _ tenantID: UUID) async throws -> PostgresRow {
        guard let row = try await session.query("""
            SELECT p.max_sessions, p.max_messages_per_month,
                   COALESCE(ts.allowed_numbers, '{}') AS allowed_numbers,
                   COALESCE(ts.require_approval, false) AS require_approval
              FROM tenants t
              LEFT JOIN subscriptions s ON s.tenant_id = t.id
              JOIN plans p ON p.id = COALESCE(s.plan_id, 'free')
              LEFT JOIN tenant_settings ts ON ts.tenant_id = t.id
             WHERE t.id = \(tenantID)
               FOR NO KEY UPDATE OF t
            """).first else {
            throw GatehouseError(.unauthorized, "The tenant no longer exists.")
        }
        return row
    }

    public func createSession(tenantID: UUID, apiKeyID: UUID?, name: String, phoneNumber: String?, audit: AuditEvent) async throws
        -> MessagingSession {
        let created = try await database.withTenant(tenantID) { session in
            let limits = try await lockTenant(session, tenantID)
            let planMax: Int = try limits.decode("max_sessions")
            let counts = try await session.query("""
                SELECT count(*) AS tenant_live,
                       count(*) FILTER (WHERE s.api_key_id = \(apiKeyID)) AS key_live,
                       (SELECT k.max_sessions FROM api_keys k WHERE k.id = \(apiKeyID)) AS key_max
                  FROM messaging_sessions s
                 WHERE s.tenant_id = \(tenantID) AND s.state <> 'deleted'
                """).first!
            if let keyMax = try counts.decode("key_max", as: Int?.self), try counts.decode("key_live", as: Int.self) >= keyMax {
                throw GatehouseError(.maxSessionsReached,
                                     "This key already has its maximum of \(keyMax) live session(s); delete one first.",
                                     extensions: ["max_sessions": .int(keyMax)])
            }
            if try counts.decode("tenant_live", as: Int.self) >= planMax {
                throw GatehouseError(.planLimitExceeded,
                                     "Your plan allows \(planMax) live session(s); upgrade or delete one first.",
                                     extensions: ["limit": .string("max_sessions"), "plan_limit": .int(planMax)])
            }
            let row = try await session.query("""
                INSERT INTO messaging_sessions AS s (tenant_id, api_key_id, name, phone_number)
                VALUES (\(tenantID), \(apiKeyID), \(name), \(phoneNumber))
                RETURNING \(unescaped: Self.columns)
                """).first!
            let created = try Self.decodeSession(row)
            try await AuditLog.append(audit.on("messaging_session", created.id), tenantID: tenantID, in: session)
            return created
        }
        if let apiKeyID {
            // After the commit, not inside it: the key's row is the hot path's, and must not stay
            // locked across this transaction's fsync.
            try await database.bumpCounters(asTenant: tenantID, [
                "UPDATE api_keys SET sessions_created = sessions_created + 1 WHERE id = \(apiKeyID)",
            ])
        }
        return created
    }

    public func listSessions(tenantID: UUID, limit: Int, after: KeysetPosition?) async throws
        -> (items: [(session: MessagingSession, position: KeysetPosition)], hasMore: Bool) {
        let rows = try await database.withTenant(tenantID) { session in
            try await PostgresManagedKeyRepository.mappingBadCursor {
                try await session.query("""
                    SELECT \(unescaped: Self.columns), s.created_at::text AS position_created_at
                      FROM messaging_sessions s
                     WHERE s.tenant_id = \(tenantID) AND s.state <> 'deleted'
                       AND (\(after?.createdAt)::timestamptz IS NULL
                            OR (s.created_at, s.id) < (\(after?.createdAt)::timestamptz, \(after?.id)))
                     ORDER BY s.created_at DESC, s.id DESC
                     LIMIT \(limit + 1)
                    """)
            }
        }
        let items = try rows.rows.prefix(limit).map { row in
            let value = try Self.decodeSession(row)
            return (value, KeysetPosition(createdAt: try row.decode("position_created_at"), id: value.id))
        }
        return (items, rows.count > limit)
    }

    public func session(tenantID: UUID, id: UUID) async throws -> MessagingSession? {
        try await database.withTenant(tenantID) { session in
            try await session.query("""
                SELECT \(unescaped: Self.columns) FROM messaging_sessions s
                 WHERE s.id = \(id) AND s.state <> 'deleted'
                """).first.map(Self.decodeSession)
        }
    }

    public func deleteSession(tenantID: UUID, id: UUID, audit: AuditEvent) async throws -> Bool {
        try await database.withTenant(tenantID) { session in
            guard try await session.execute("""
                UPDATE messaging_sessions SET state = 'deleted', deleted_at = now()
                 WHERE id = \(id) AND state <> 'deleted'
                """) > 0 else { return false }
            try await AuditLog.append(audit.on("messaging_session", id), tenantID: tenantID, in: session)
            return true
        }
    }

    public func recordInbound(tenantID: UUID, sessionID: UUID, from: String, text: String, now: Date) async throws -> Bool {
        try await database.withTenant(tenantID) { session in
            // The message (and, by trigger, its daily rollup row) first, then the session's
            // counter: the order sends and approvals take too, so they cannot deadlock.
            let inserted = try await session.execute("""
                INSERT INTO messages (tenant_id, session_id, direction, peer_number, text, status, created_at)
                SELECT \(tenantID), s.id, 'inbound', \(from), \(text), 'received', \(now)
                  FROM messaging_sessions s
                 WHERE s.id = \(sessionID) AND s.state <> 'deleted'
                """)
            guard inserted > 0 else { return false }
            try await session.execute("""
                UPDATE messaging_sessions SET messages_received = messages_received + 1 WHERE id = \(sessionID)
                """)
            return true
        }
    }

    public func send(tenantID: UUID, apiKeyID: UUID?, sessionID: UUID, to: String, text: String, cost: Money, now: Date)
        async throws -> OutboundMessage {
        let message = try await database.withTenant(tenantID) { session in
            let tenant = try await lockTenant(session, tenantID)
            guard try await !session.query("""
                SELECT 1 FROM messaging_sessions WHERE id = \(sessionID) AND state <> 'deleted'
                """).isEmpty else {
                throw GatehouseError.notFound("session")
            }
            if let apiKeyID, let key = try await session.query(
                "SELECT is_trial, allowed_numbers FROM api_keys WHERE id = \(apiKeyID)").first,
               try key.decode("is_trial", as: Bool.self),
               try !key.decode("allowed_numbers", as: [String].self).contains(to) {
                throw GatehouseError(.numberNotAllowed, "This trial key may send only to its allowed numbers.")
            }
            let allowed: [String] = try tenant.decode("allowed_numbers")
            if !allowed.isEmpty, !allowed.contains(to) {
                throw GatehouseError(.numberNotAllowed, "The tenant's settings do not allow sending to this number.")
            }
            let monthlyMax: Int = try tenant.decode("max_messages_per_month")
            let sentThisMonth = try await session.query("""
                SELECT count(*) AS n FROM messages
                 WHERE tenant_id = \(tenantID) AND direction = 'outbound'
                   AND created_at >= date_trunc('month', \(now), 'UTC')
                """).first!.decode("n", as: Int.self)
            if sentThisMonth >= monthlyMax {
                throw GatehouseError(.planLimitExceeded,
                                     "Your plan allows \(monthlyMax) messages a month; upgrade to send more.",
                                     extensions: ["limit": .string("max_messages_per_month"), "plan_limit": .int(monthlyMax)])
            }
            let status = try tenant.decode("require_approval", as: Bool.self) ? "pending_approval" : "sent"
            let row = try await session.query("""
                INSERT INTO messages AS m (tenant_id, session_id, api_key_id, direction, peer_number, text, status, cost,
                                           created_at)
                VALUES (\(tenantID), \(sessionID), \(apiKeyID), 'outbound', \(to), \(text), \(status), \(cost.amount),
                        \(now))
                RETURNING \(unescaped: Self.messageColumns)
                """).first!
            if status == "sent" {
                try await session.execute("UPDATE messaging_sessions SET messages_sent = messages_sent + 1 WHERE id = \(sessionID)")
            }
            return try Self.decodeMessage(row)
        }
        if message.status == "sent" {
            try await countSentByKey(tenantID: tenantID, apiKeyID: apiKeyID)
        }
        return message
    }

    /// A message sent with a key counts on the key too. After the commit, not inside it: the
    /// key's row is the hot path's, and must not stay locked across this transaction's fsync.
    private func countSentByKey(tenantID: UUID, apiKeyID: UUID?) async throws {
        guard let apiKeyID else { return }
        try await database.bumpCounters(asTenant: tenantID, [
            "UPDATE api_keys SET messages_sent = messages_sent + 1 WHERE id = \(apiKeyID)",
        ])
    }

    public func approve(tenantID: UUID, messageID: UUID, userID: UUID, audit: AuditEvent, now: Date) async throws
        -> OutboundMessage? {
        let approved = try await database.withTenant(tenantID) { session -> (OutboundMessage, UUID?)? in
            guard let row = try await session.query("""
                UPDATE messages m
                   SET status = 'sent', approved_at = \(now), approved_by_user_id = \(userID)
                 WHERE m.id = \(messageID) AND m.direction = 'outbound' AND m.status = 'pending_approval'
                RETURNING \(unescaped: Self.messageColumns), m.api_key_id
                """).first else {
                if try await session.query(
                    "SELECT 1 FROM messages WHERE id = \(messageID) AND direction = 'outbound'").isEmpty {
                    return nil
                }
                throw GatehouseError(.conflict, "The message is not waiting for approval.")
            }
            let message = try Self.decodeMessage(row)
            try await session.execute(
                "UPDATE messaging_sessions SET messages_sent = messages_sent + 1 WHERE id = \(message.sessionID)")
            try await AuditLog.append(audit.on("message", messageID), tenantID: tenantID, in: session)
            return (message, try row.decode("api_key_id", as: UUID?.self))
        }
        guard let (message, apiKeyID) = approved else { return nil }
        try await countSentByKey(tenantID: tenantID, apiKeyID: apiKeyID)
        return message
    }
}
