import Foundation
import GatehouseAPI
import GatehouseCore
import GatehouseStore
import GatehouseTestSupport
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Postgres
import Testing

/// A read with a key admitted before sends its hit and the tenant-scoped read in one flight
/// (`PendingAdmission`). What must still hold: each key reads only its own tenant, every request
/// is charged exactly once, and a refusal (limit, revocation, scope) is what the client gets,
/// never the rows read alongside it.
@Suite("A key-authenticated read travels with its hit")
struct KeyReadPipelineTests {
    static let apiKey = HTTPField.Name("X-API-Key")!
    static let settings = "/api/v2/tenant/settings"

    /// Sets `require_approval` for a tenant, as its own admin would.
    static func requireApproval(_ tenant: UUID, _ value: Bool) async throws {
        let database = try await TestKeys.database()
        defer { Task { await database.pool.shutdown() } }
        _ = try await database.withTenant(tenant) { session in
            try await session.execute("""
                INSERT INTO tenant_settings (tenant_id, require_approval) VALUES (\(tenant), \(value))
                ON CONFLICT (tenant_id) DO UPDATE SET require_approval = EXCLUDED.require_approval
                """)
        }
    }

    /// Runs `sql` on a key's row through the tenant door (revocations, scope changes, counters).
    @discardableResult
    static func onKey(_ tenant: UUID, _ sql: PostgresQuery) async throws -> PostgresRows {
        let database = try await TestKeys.database()
        defer { Task { await database.pool.shutdown() } }
        return try await database.withTenant(tenant) { try await $0.query(sql) }
    }

    @Test func eachKeyReadsItsOwnTenantAndEveryRequestIsChargedOnce() async throws {
        let a = try await TestKeys.tenant(name: "Pipeline A")
        let b = try await TestKeys.tenant(name: "Pipeline B")
        try await Self.requireApproval(a, true)
        try await Self.requireApproval(b, false)
        let keyA = try await TestKeys.create(tenantID: a, scopes: [.settingsRead], rateLimitRPM: 100)
        let keyB = try await TestKeys.create(tenantID: b, scopes: [.settingsRead], rateLimitRPM: 100)
        try await TestApp.run { client in
            for round in 0..<3 {
                for (key, approval) in [(keyA, true), (keyB, false)] {
                    try await client.execute(uri: Self.settings, method: .get, headers: [Self.apiKey: key.raw]) { response in
                        #expect(response.status == .ok)
                        let body = try response.json
                        #expect(body["require_approval"] as? Bool == approval)
                        #expect(response.headers[HTTPField.Name("X-RateLimit-Remaining")!] == String(99 - round))
                    }
                }
            }
        }
        for (tenant, key) in [(a, keyA), (b, keyB)] {
            let row = try await Self.onKey(tenant, "SELECT rl_current FROM api_keys WHERE id = \(key.id)").first!
            #expect(try row.decode("rl_current", as: Int.self) == 3, "one hit per request, whichever way it travelled")
        }
    }

    @Test func aRefusedHitWinsOverTheReadItTravelledWith() async throws {
        let tenant = try await TestKeys.tenant()
        try await Self.requireApproval(tenant, true)
        let limited = try await TestKeys.create(tenantID: tenant, scopes: [.settingsRead], rateLimitRPM: 2)
        let revoked = try await TestKeys.create(tenantID: tenant, scopes: [.settingsRead], rateLimitRPM: 100)
        try await TestApp.run { client in
            for _ in 0..<2 {
                try await client.execute(uri: Self.settings, method: .get, headers: [Self.apiKey: limited.raw]) { response in
                    #expect(response.status == .ok)
                }
            }
            try await client.execute(uri: Self.settings, method: .get, headers: [Self.apiKey: limited.raw]) { response in
                #expect(response.status == .tooManyRequests)
                let body = try response.json
                #expect(body["error"] as? String == "rate_limited")
                #expect(body["require_approval"] == nil, "the rows read with a refused hit never leave")
            }

            try await client.execute(uri: Self.settings, method: .get, headers: [Self.apiKey: revoked.raw]) { response in
                #expect(response.status == .ok)
            }
            try await Self.onKey(tenant, "UPDATE api_keys SET revoked_at = now(), is_active = false WHERE id = \(revoked.id)")
            try await client.execute(uri: Self.settings, method: .get, headers: [Self.apiKey: revoked.raw]) { response in
                #expect(response.status == .unauthorized)
                let body = try response.json
                #expect(body["require_approval"] == nil)
            }
        }
    }

    @Test func scopesAreCheckedAgainWithWhatTheHitReturns() async throws {
        let tenant = try await TestKeys.tenant()
        let key = try await TestKeys.create(tenantID: tenant, scopes: [.settingsRead], rateLimitRPM: 100)
        try await TestApp.run { client in
            try await client.execute(uri: Self.settings, method: .get, headers: [Self.apiKey: key.raw]) { response in
                #expect(response.status == .ok)
            }
            // The scope is taken away after the server has seen the key admitted.
            try await Self.onKey(tenant, "UPDATE api_keys SET scopes = '{}' WHERE id = \(key.id)")
            try await client.execute(uri: Self.settings, method: .get, headers: [Self.apiKey: key.raw]) { response in
                #expect(response.status == .forbidden)
                let body = try response.json
                #expect(body["error"] as? String == "insufficient_scope")
            }
        }
    }
}
