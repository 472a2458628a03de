import Foundation
import GatehouseAuth
import GatehouseStore
import GatehouseTestSupport
import Postgres
import Testing

/// The hot path, the counters bumped after a commit and the auth throttle commit without
/// waiting for the WAL flush (`synchronous_commit = off`), each for its own transaction only.
/// If the setting outlived its transaction, the next tenant transaction on the same pooled
/// connection (a signup, a key change, an audit event) could be lost in a crash after its 2xx.
@Suite("synchronous_commit = off stays in its own transaction")
struct SynchronousCommitScopeTests {
    @Test func unsyncedCommitsDoNotLeakIntoTheNextTenantTransactionOnTheSameConnection() async throws {
        let tenant = try await TestKeys.tenant()
        let key = try await TestKeys.create(tenantID: tenant, scopes: [.usageRead], rateLimitRPM: 60, spendLimit: 10)
        // One connection, so every step below runs on it.
        let database = Database(pool: try await TestDatabase.appPool(maxConnections: 1))
        // The throwaway cluster runs with synchronous_commit = off for speed: make this
        // connection durable, as a production cluster is (again before each step, so each
        // step is judged on its own).
        func durable() async throws {
            try await database.pool.withConnection { session in try await session.execute("SET synchronous_commit = on") }
        }
        func setting() async throws -> String {
            try await database.withTenant(tenant) { session in
                try await session.query("SHOW synchronous_commit").first!.decode("synchronous_commit")
            }
        }
        try await durable()
        #expect(try await setting() == "on")

        // The hot path (one autocommit statement whose function turns the setting off).
        let hit = try await PostgresAPIKeyHotPath(database: database).hit(
            hash: KeyHasher(pepper: TestApp.keyPepper).hash(key.raw), now: Date(), cost: 1, limitClass: nil, tenantID: nil)
        #expect(hit.outcome == .ok)
        #expect(try await setting() == "on", "after the hot path")

        // Its pipelined form (a key's GET): the hit and the request's first read in one flight,
        // two implicit transactions; the read already runs with the connection's own setting.
        try await durable()
        let admission = PostgresAPIKeyHotPath(database: database).pendingHit(
            hash: KeyHasher(pepper: TestApp.keyPepper).hash(key.raw), now: Date(), cost: 1, limitClass: nil, keyTenantID: tenant,
            conclude: { hit in #expect(hit.outcome == .ok) })
        let inFlight: String = try await PendingAdmission.$current.withValue(admission) {
            try await database.read(asTenant: tenant, "SHOW synchronous_commit").first!.decode("synchronous_commit")
        }
        #expect(inFlight == "on", "the read in the hit's flight")
        #expect(try await setting() == "on", "after the pipelined hit")

        // Counters bumped after a commit (messaging sessions, sends).
        try await durable()
        try await database.bumpCounters(asTenant: tenant, [
            "UPDATE api_keys SET sessions_created = sessions_created + 1 WHERE id = \(key.id)",
        ])
        #expect(try await setting() == "on", "after bumpCounters")

        // The auth throttle.
        try await durable()
        let throttle = PostgresAuthThrottle(database: database)
        _ = try await throttle.hit(bucket: "sync-scope:\(UUID())", limit: 5, windowSeconds: 60)
        #expect(try await setting() == "on", "after a throttle hit")

        let counters: (Decimal, Int) = try await database.withTenant(tenant) { session in
            let row = try await session.query("SELECT spend_period_used, sessions_created FROM api_keys WHERE id = \(key.id)").first!
            return (try row.decode("spend_period_used"), try row.decode("sessions_created"))
        }
        #expect(counters == (2, 1))
        await database.pool.shutdown()
    }
}
