import Foundation
import Postgres

/// `MailOutboxRepository` over the `platform_*_mail` functions (the worker has no tenant).
public struct PostgresMailOutboxRepository: MailOutboxRepository {
    let database: Database

    public init(database: Database) {
        self.database = database
    }

    /// Queues a mail inside the caller's tenant transaction.
    public static func enqueue(_ db: PostgresSession, tenantID: UUID, mail: OutgoingMail) async throws {
        try await db.execute("""
            INSERT INTO mail_outbox (tenant_id, to_address, subject, body_text)
            VALUES (\(tenantID), \(mail.to), \(mail.subject), \(mail.bodyText))
            """)
    }

    public func claim(limit: Int, leaseSeconds: Int) async throws -> [ClaimedMail] {
        try await database.withPlatform { db in
            try await db.query("""
                SELECT id, tenant_id, to_address, subject, body_text, attempts
                  FROM platform_claim_mail(\(Int32(limit)), \(Int32(leaseSeconds)))
                """).map { row in
                ClaimedMail(id: try row.decode("id"), tenantID: try row.decode("tenant_id"), to: try row.decode("to_address"),
                            subject: try row.decode("subject"), bodyText: try row.decode("body_text"),
                            attempts: try row.decode("attempts"))
            }
        }
    }

    public func markSent(id: UUID) async throws {
        try await database.withPlatform { db in
            try await db.query("SELECT platform_mark_mail_sent(\(id))")
        }
    }

    public func markFailed(id: UUID, error: String, retryAt: Date) async throws {
        try await database.withPlatform { db in
            if retryAt == .distantFuture {
                try await db.query("SELECT platform_mark_mail_failed(\(id), \(error), 'infinity'::timestamptz)")
            } else {
                try await db.query("SELECT platform_mark_mail_failed(\(id), \(error), \(retryAt))")
            }
        }
    }

    public func prune(finishedBefore before: Date) async throws -> Int {
        try await database.withPlatform { db in
            try await db.query("SELECT platform_prune_mail(\(before)) AS pruned").first?.decode("pruned", as: Int.self) ?? 0
        }
    }
}
