import GatehouseCore
import Postgres

extension SimulatorService {
    /// `GET /v1/events`, newest first: `limit`, `starting_after` (older), `ending_before`
    /// (newer), `type` or `types[]`, `created` / `created[gt|gte|lt|lte]`. `pending_webhooks` is
    /// 1 while the event's delivery has not succeeded.
    func listEvents(_ request: SimulatorRequest) async throws -> SimulatorResponse {
        let params = request.params
        let limit = try Self.limit(params)
        let startingAfter = try params.string("starting_after")
        let endingBefore = try params.string("ending_before")
        var types = params.list("types")
        if let type = try params.string("type") { types.append(type) }
        let created = try params.int("created")
        let gt = try params.int("created", "gt"), gte = try params.int("created", "gte")
        let lt = try params.int("created", "lt"), lte = try params.int("created", "lte")
        return try await transaction { session in
            func seq(of id: String, _ param: String) async throws -> Int64 {
                guard let row = try await session.query("SELECT seq FROM stripe_sim.events WHERE id = \(id)").first else {
                    throw SimulatorError.noSuch("event", id, param: param)
                }
                return try row.decode("seq")
            }
            let after = try await startingAfter.asyncMap { try await seq(of: $0, "starting_after") }
            let before = try await endingBefore.asyncMap { try await seq(of: $0, "ending_before") }
            // Paging towards newer events reads upwards, then shows the page newest first.
            let ascending = before != nil && after == nil
            let rows = try await session.query("""
                SELECT e.payload, COALESCE(d.status = 'pending', false) AS pending
                  FROM stripe_sim.events e LEFT JOIN stripe_sim.webhook_deliveries d ON d.event_id = e.id
                 WHERE (\(after)::bigint IS NULL OR e.seq < \(after))
                   AND (\(before)::bigint IS NULL OR e.seq > \(before))
                   AND (cardinality(\(types)::text[]) = 0 OR e.type = ANY(\(types)))
                   AND (\(created)::bigint IS NULL OR e.created = \(created))
                   AND (\(gt)::bigint IS NULL OR e.created > \(gt)) AND (\(gte)::bigint IS NULL OR e.created >= \(gte))
                   AND (\(lt)::bigint IS NULL OR e.created < \(lt)) AND (\(lte)::bigint IS NULL OR e.created <= \(lte))
                 ORDER BY e.seq \(unescaped: ascending ? "ASC" : "DESC") LIMIT \(limit + 1)
                """)
            var events: [JSONValue] = []
            for row in rows.rows.prefix(limit) {
                events.append(try Self.event(row))
            }
            if ascending { events.reverse() }
            return .json(.list(events, url: "/v1/events", hasMore: rows.count > limit))
        }
    }

    /// `GET /v1/events/{id}`.
    func retrieveEvent(_ request: SimulatorRequest) async throws -> SimulatorResponse {
        let id = try request.requiredID
        return try await transaction { session in
            guard let row = try await session.query("""
                SELECT e.payload, COALESCE(d.status = 'pending', false) AS pending
                  FROM stripe_sim.events e LEFT JOIN stripe_sim.webhook_deliveries d ON d.event_id = e.id
                 WHERE e.id = \(id)
                """).first else { throw SimulatorError.noSuch("event", id) }
            return .json(try Self.event(row))
        }
    }

    /// The stored event with its current `pending_webhooks`.
    private static func event(_ row: PostgresRow) throws -> JSONValue {
        let payload: String = try row.decode("payload")
        guard case .object(var members) = try JSONValue.parse(Array(payload.utf8)) else { return .null }
        members["pending_webhooks"] = .int(try row.decode("pending", as: Bool.self) ? 1 : 0)
        return .object(members)
    }

    /// `GET /sim/webhook_deliveries?event=&status=`: the delivery state of events, newest first
    /// (the simulator's own endpoint; Stripe shows this in its dashboard).
    func listWebhookDeliveries(_ request: SimulatorRequest) async throws -> SimulatorResponse {
        let event = try request.params.string("event")
        let status = try request.params.string("status")
        let limit = try Self.limit(request.params)
        return try await transaction { session in
            let rows = try await session.query("""
                SELECT d.event_id, e.type, d.endpoint_url, d.status, d.attempts,
                       extract(epoch FROM d.next_attempt_at)::bigint AS next_attempt_at,
                       extract(epoch FROM d.last_attempt_at)::bigint AS last_attempt_at,
                       d.last_response_status, d.last_error,
                       extract(epoch FROM d.delivered_at)::bigint AS delivered_at
                  FROM stripe_sim.webhook_deliveries d JOIN stripe_sim.events e ON e.id = d.event_id
                 WHERE (\(event)::text IS NULL OR d.event_id = \(event))
                   AND (\(status)::text IS NULL OR d.status = \(status))
                 ORDER BY e.seq DESC LIMIT \(limit + 1)
                """)
            var deliveries: [JSONValue] = []
            for row in rows.rows.prefix(limit) {
                let pending = try row.decode("status", as: String.self) == "pending"
                deliveries.append([
                    "object": "simulator.webhook_delivery",
                    "event": .string(try row.decode("event_id")), "type": .string(try row.decode("type")),
                    "endpoint_url": .string(try row.decode("endpoint_url")), "status": .string(try row.decode("status")),
                    "attempts": .int(try row.decode("attempts", as: Int64.self)),
                    "next_attempt_at": .nullable(pending ? try row.decode("next_attempt_at", as: Int64?.self) : nil),
                    "last_attempt_at": .nullable(try row.decode("last_attempt_at", as: Int64?.self)),
                    "last_response_status": .nullable(try row.decode("last_response_status", as: Int64?.self)),
                    "last_error": .nullable(try row.decode("last_error", as: String?.self)),
                    "delivered_at": .nullable(try row.decode("delivered_at", as: Int64?.self)),
                ])
            }
            return .json(.list(deliveries, url: "/sim/webhook_deliveries", hasMore: rows.count > limit))
        }
    }

    /// `POST /sim/faults`: the caller's (same API key's) next `count` API requests (default 1) whose path starts with
    /// `path` (e.g. `/v1/customers`), of `method` if given, answer `status` (default 500):
    /// before doing anything (`when=before`, the default) or after carrying the request out
    /// (`when=after`: the answer is lost, as when a connection drops). For testing clients' retries.
    func injectFault(_ request: SimulatorRequest) async throws -> SimulatorResponse {
        let path = try request.params.required("path")
        let when = try request.params.string("when") ?? "before"
        guard when == "before" || when == "after" else {
            throw SimulatorError.invalidRequest("when must be before or after", param: "when")
        }
        let status = try request.params.int("status") ?? 500
        let count = try request.params.int("count") ?? 1
        let method = try request.params.string("method")?.uppercased()
        guard (400...599).contains(status) else { throw SimulatorError.invalidRequest("status must be 400 to 599", param: "status") }
        guard (1...100).contains(count) else { throw SimulatorError.invalidRequest("count must be 1 to 100", param: "count") }
        return try await transaction { session in
            let id = try await session.query("""
                INSERT INTO stripe_sim.faults (account, method, path_prefix, status, after_handling, remaining)
                VALUES (\(request.account ?? ""), \(method), \(path), \(Int32(status)), \(when == "after"), \(Int32(count)))
                RETURNING id
                """).first!.decode("id", as: Int64.self)
            return .json([
                "object": "simulator.fault", "id": .int(id), "path": .string(path), "method": .nullable(method),
                "status": .int(status), "when": .string(when), "remaining": .int(count),
            ])
        }
    }
}

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let self else { return nil }
        return try await transform(self)
    }
}
