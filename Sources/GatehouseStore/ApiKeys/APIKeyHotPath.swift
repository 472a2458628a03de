import Foundation
import Postgres

/// The one statement a key-authenticated request costs: finds the key by HMAC, checks it,
/// applies the sliding windows and the spend cap atomically on its row (see
/// `sql/migrations/0003_create_api_key_hot_path.sql`).
public protocol APIKeyHotPath: Sendable {
    func hit(hash: Data, now: Date, cost: Decimal, limitClass: APIKeyLimitClass?, tenantID: UUID?) async throws -> APIKeyHit

    /// The same hit, not sent yet: the request's first read of `keyTenantID` carries it (see
    /// `PendingAdmission`); `conclude` gets its answer and throws the refusal.
    func pendingHit(hash: Data, now: Date, cost: Decimal, limitClass: APIKeyLimitClass?, keyTenantID: UUID,
                    conclude: @escaping @Sendable (APIKeyHit) async throws -> Void) -> PendingAdmission
}

/// `platform_api_key_hit` as a single autocommit statement: no BEGIN/COMMIT round trips, and
/// the function's transaction-local `synchronous_commit = off` covers exactly this statement.
public struct PostgresAPIKeyHotPath: APIKeyHotPath {
    let database: Database

    public init(database: Database) {
        self.database = database
    }

    public func hit(hash: Data, now: Date, cost: Decimal, limitClass: APIKeyLimitClass?, tenantID: UUID?) async throws -> APIKeyHit {
        let statement = Self.statement(hash: hash, now: now, cost: cost, limitClass: limitClass, tenantID: tenantID)
        let answer: Result<PostgresRows, any Error>
        do {
            answer = .success(try await database.pool.withConnection { try await $0.query(statement) })
        } catch {
            answer = .failure(error)
        }
        return try Self.hit(from: answer)
    }

    public func pendingHit(hash: Data, now: Date, cost: Decimal, limitClass: APIKeyLimitClass?, keyTenantID: UUID,
                           conclude: @escaping @Sendable (APIKeyHit) async throws -> Void) -> PendingAdmission {
        let pool = database.pool
        return PendingAdmission(
            tenantID: keyTenantID,
            statement: Self.statement(hash: hash, now: now, cost: cost, limitClass: limitClass, tenantID: nil),
            sendAlone: { statement in try await pool.withConnection { try await $0.query(statement) } },
            conclude: { answer in try await conclude(try Self.hit(from: answer)) })
    }

    static func statement(hash: Data, now: Date, cost: Decimal, limitClass: APIKeyLimitClass?, tenantID: UUID?) -> PostgresQuery {
        "SELECT * FROM platform_api_key_hit(\(hash), \(now), \(cost), \(limitClass?.rawValue), \(tenantID))"
    }

    /// What the server answered to the hit, sent alone or in a pipeline.
    static func hit(from answer: Result<PostgresRows, any Error>) throws -> APIKeyHit {
        let rows: PostgresRows
        do {
            rows = try answer.get()
        } catch let error as PostgresError where error.sqlState == "22003" {
            // The cost would take the key's spend counter past what numeric(20,6) holds: the
            // statement changed nothing; refuse this call, and cheaper calls still pass.
            return APIKeyHit(outcome: .spendCounterFull)
        }
        return try decode(rows)
    }

    static func decode(_ rows: PostgresRows) throws -> APIKeyHit {
        guard let row = rows.first else { return APIKeyHit(outcome: .notFound) }
        let outcomeText: String = try row.decode("outcome")
        guard let outcome = APIKeyHit.Outcome(rawValue: outcomeText) else { return APIKeyHit(outcome: .notFound) }
        return APIKeyHit(
            outcome: outcome,
            limitedBy: try row.decode("limited_by"),
            retryAfterMilliseconds: try row.decode("retry_after_ms", as: Int?.self) ?? 0,
            keyID: try row.decode("key_id"),
            tenantID: try row.decode("tenant_id"),
            scopes: try row.decode("scopes", as: [String]?.self) ?? [],
            isTrial: try row.decode("is_trial", as: Bool?.self) ?? false,
            allowedNumbers: try row.decode("allowed_numbers", as: [String]?.self) ?? [],
            createdByUserID: try row.decode("created_by_user_id"),
            rateLimit: try row.decode("rate_limit"),
            rateRemaining: try row.decode("rate_remaining"),
            rateReset: try row.decode("rate_reset"),
            classLimit: try row.decode("class_limit"),
            classRemaining: try row.decode("class_remaining"),
            classReset: try row.decode("class_reset"),
            spendUsed: try row.decode("spend_used"),
            spendLimit: try row.decode("spend_limit"),
            spendReset: try row.decode("spend_reset"),
            cost: try row.decode("cost", as: Decimal?.self) ?? 0
        )
    }
}
