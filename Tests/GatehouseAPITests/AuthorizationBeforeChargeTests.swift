import Foundation
import GatehouseAPI
import GatehouseCore
import GatehouseStore
import GatehouseTestSupport
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// No work before authorization (issue 8, item 4): a key is charged (rate windows, spend,
/// last use) only for an operation it may call. A refusal by scope, by role or by credential
/// kind answers 403 and leaves every counter of the key as it was.
@Suite("API keys: scopes and roles are decided before a call is charged")
struct AuthorizationBeforeChargeTests {
    static let apiKey = HTTPField.Name("X-API-Key")!

    /// The key's hot-path counters, read back from its row.
    struct Counters: Equatable {
        var rateCurrent: Int
        var messagesCurrent: Int
        var spendUsed: Decimal
        var lastUsedAt: Date?
    }

    static func counters(tenantID: UUID, keyID: UUID) async throws -> Counters {
        let database = try await TestKeys.database()
        defer { Task { await database.pool.shutdown() } }
        return try await database.withTenant(tenantID) { db in
            let row = try await db.query("""
                SELECT rl_current, msg_current, spend_period_used, last_used_at FROM api_keys WHERE id = \(keyID)
                """).first!
            return Counters(rateCurrent: try row.decode("rl_current"), messagesCurrent: try row.decode("msg_current"),
                            spendUsed: try row.decode("spend_period_used"), lastUsedAt: try row.decode("last_used_at"))
        }
    }

    @Test func aRefusalByScopeRoleOrCredentialKindChargesNothing() async throws {
        let clock = TestClock("2026-03-10T12:00:00Z")
        let tenant = try await TestKeys.tenant()
        // Priced sends, a spend cap and a tight rate limit: any charge would show.
        let reader = try await TestKeys.create(tenantID: tenant, scopes: [.settingsRead], rateLimitRPM: 3,
                                               spendLimit: Decimal(string: "1.00")!, rateLimitMessages: 3)
        let before = try await Self.counters(tenantID: tenant, keyID: reader.id)
        var configuration = try await APIKeyHotPathTests.configuration(
            clock: clock, prices: ["POST /api/v2/messages": Decimal(string: "0.25")!])
        configuration.routePrices["GET /api/v2/admin/api-keys"] = Decimal(string: "0.25")!
        let messageID = UUID().uuidString.lowercased()
        try await TestApp.run(configuration) { client in
            for _ in 0..<5 {
                let send = try await client.send(.post, "/api/v2/messages",
                                                 json: ["session_id": UUID().uuidString.lowercased(), "to": "+15550100", "text": "hi"],
                                                 headers: [Self.apiKey: reader.raw])
                #expect(send.status == .forbidden)
                #expect(send.errorCode == "insufficient_scope")
                #expect(send.headers[HTTPField.Name("X-Spend-Period-Used")!] == nil)

                // x-roles (owner/admin users only): a key may not approve, and is not charged for asking.
                let approve = try await client.send(.post, "/api/v2/messages/\(messageID)/approve", headers: [Self.apiKey: reader.raw])
                #expect(approve.status == .forbidden)

                // A tenant key on an operator route: 403, uncharged.
                let admin = try await client.send(.get, "/api/v2/admin/api-keys", headers: [Self.apiKey: reader.raw])
                #expect(admin.status == .forbidden)
            }
        }
        // Counters re-read: 15 refusals, and the key is exactly as it was (not rate limited, nothing spent).
        #expect(try await Self.counters(tenantID: tenant, keyID: reader.id) == before)

        try await TestApp.run(configuration) { client in
            // The refusals left the key's limits whole: its 3 requests a minute are all still there.
            for _ in 0..<3 {
                let settings = try await client.send(.get, "/api/v2/tenant/settings", headers: [Self.apiKey: reader.raw])
                #expect(settings.status == .ok)
            }
        }
    }

    @Test func aRevokedKeyIsStill401NotInsufficientScope() async throws {
        let tenant = try await TestKeys.tenant()
        let key = try await TestKeys.create(tenantID: tenant, scopes: [.usageRead])
        let database = try await TestKeys.database()
        defer { Task { await database.pool.shutdown() } }
        _ = try await database.withTenant(tenant) { db in
            try await db.execute("UPDATE api_keys SET revoked_at = now(), is_active = false WHERE id = \(key.id)")
        }
        try await TestApp.run { client in
            let send = try await client.send(.post, "/api/v2/messages",
                                             json: ["session_id": UUID().uuidString.lowercased(), "to": "+15550100", "text": "hi"],
                                             headers: [Self.apiKey: key.raw])
            #expect(send.status == .unauthorized)
            let admin = try await client.send(.get, "/api/v2/admin/api-keys", headers: [Self.apiKey: key.raw])
            #expect(admin.status == .unauthorized)
        }
    }

    @Test func anAllowedCallIsStillCharged() async throws {
        let clock = TestClock("2026-03-10T12:00:00Z")
        let tenant = try await TestKeys.tenant()
        let key = try await TestKeys.create(tenantID: tenant, scopes: [.accountManage], rateLimitRPM: 3)
        try await TestApp.run(try await APIKeyHotPathTests.configuration(
            clock: clock, prices: ["GET /api/v2/api-keys": Decimal(string: "0.5")!])) { client in
            let list = try await client.send(.get, "/api/v2/api-keys", headers: [Self.apiKey: key.raw])
            #expect(list.status == .ok)
        }
        let after = try await Self.counters(tenantID: tenant, keyID: key.id)
        #expect(after.rateCurrent == 1)
        #expect(after.spendUsed == Decimal(string: "0.5")!)
        #expect(after.lastUsedAt != nil)
    }
}
