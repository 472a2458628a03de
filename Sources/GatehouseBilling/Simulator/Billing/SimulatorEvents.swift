import Foundation
import GatehouseCore
import Postgres

/// Records Stripe events: each state change the simulator makes is one `stripe_sim.events` row
/// (the event exactly as it will be delivered) and, when a webhook endpoint is configured, one
/// pending `webhook_deliveries` row that the worker sends in the background.
struct SimulatorEvents: Sendable {
    let webhookURL: String?
    let apiVersion: String
    let wallClock: @Sendable () -> Date

    @discardableResult
    func record(_ type: String, object: JSONValue, previousAttributes: JSONValue? = nil, created: Int64,
                in session: PostgresSession) async throws -> String {
        let id = SimulatorID.make("evt")
        var data: [String: JSONValue] = ["object": object]
        if let previousAttributes { data["previous_attributes"] = previousAttributes }
        let event: JSONValue = [
            "id": .string(id), "object": "event", "api_version": .string(apiVersion), "created": .int(created),
            "data": .object(data), "livemode": false, "pending_webhooks": .int(webhookURL == nil ? 0 : 1),
            "request": ["id": nil, "idempotency_key": nil], "type": .string(type),
        ]
        try await session.execute("""
            INSERT INTO stripe_sim.events (id, type, created, payload) VALUES (\(id), \(type), \(created), \(event.jsonString()))
            """)
        if let webhookURL {
            try await session.execute("""
                INSERT INTO stripe_sim.webhook_deliveries (event_id, endpoint_url, next_attempt_at)
                VALUES (\(id), \(webhookURL), \(wallClock()))
                """)
        }
        return id
    }

    /// `customer.subscription.updated` with the fields that changed since `before`, when any did.
    func recordUpdate(of subscription: SimSubscription, before: JSONValue, at time: Int64,
                      in session: PostgresSession) async throws {
        let after = subscription.json
        guard let previous = Self.changedFields(before: before, after: after) else { return }
        try await record("customer.subscription.updated", object: after, previousAttributes: previous, created: time, in: session)
    }

    /// The top-level fields whose values differ, with their old values (`previous_attributes`).
    static func changedFields(before: JSONValue, after: JSONValue) -> JSONValue? {
        guard case .object(let old) = before, case .object(let new) = after else { return nil }
        var changed: [String: JSONValue] = [:]
        for (key, value) in old where new[key] != value { changed[key] = value }
        return changed.isEmpty ? nil : .object(changed)
    }
}
