import Foundation
import GatehouseStore
import GatehouseTestSupport
@testable import GatehouseAPI
import Postgres
import Testing

@Suite("Mail outbox and transports")
struct MailOutboxTests {
    @Test func aMailCommittedToTheOutboxIsDeliveredLaterByTheWorker() async throws {
        let database = Database(pool: try await TestDatabase.appPool(maxConnections: 1))
        defer { Task { await database.pool.shutdown() } }
        let tenant = try await TestTenant.create(in: database)
        let address = TestUsers.uniqueEmail("outbox")
        // As if the server had crashed right after the commit: nothing but the row exists.
        try await database.withTenant(tenant) { db in
            try await PostgresMailOutboxRepository.enqueue(db, tenantID: tenant, mail: OutgoingMail(
                to: address, subject: "Queued before a crash", bodyText: "Hello.\n.\nA line with a dot."))
        }
        try await TestApp.run { _ in
            let mail = try await TestMail.waitFor(to: address, subject: "Queued before a crash")
            #expect(mail.contains("Content-Type: text/plain; charset=utf-8\r\n"))
            #expect(mail.hasSuffix("Hello.\r\n.\r\nA line with a dot.\r\n"))
        }
        let sent = try await database.withTenant(tenant) { db in
            try await db.query("SELECT sent_at IS NOT NULL AS sent, attempts FROM mail_outbox").first!
        }
        #expect(try sent.decode("sent", as: Bool.self))
        #expect(try sent.decode("attempts", as: Int.self) >= 1)
    }

    @Test func headersCannotBeInjected() {
        let message = MailMessage(id: UUID(), from: "Gatehouse <no-reply@example.com>", to: "a@example.com\r\nBcc: evil@example.com",
                                  subject: "Hi\nX-Evil: 1", bodyText: "body", date: Date())
        #expect(!message.rfc5322.contains("\r\nBcc:"))
        #expect(!message.rfc5322.contains("\r\nX-Evil:"))
        #expect(message.fromAddress == "no-reply@example.com")
        #expect(SMTPMailTransport.clean("a@b>\r\nRCPT TO:<c@d") == "a@bRCPT TO:c@d")
    }

    @Test func transportsAreParsedFromConfiguration() throws {
        #expect(try MailTransportKind("log") == .log)
        #expect(try MailTransportKind("file:/var/mail/out") == .file(directory: "/var/mail/out"))
        #expect(try MailTransportKind("smtp://mail.example.com:2525")
                == .smtp(SMTPServer(host: "mail.example.com", port: 2525, security: .require)))
        #expect(try MailTransportKind("smtp://relay") == .smtp(SMTPServer(host: "relay", port: 25, security: .require)))
        #expect(try MailTransportKind("smtp://relay", smtpTLS: .starttlsIfOffered)
                == .smtp(SMTPServer(host: "relay", port: 25, security: .starttlsIfOffered)))
        #expect(try MailTransportKind("smtp://relay", smtpTLS: .implicit) == .smtp(SMTPServer(host: "relay", port: 465, security: .implicit)))
        #expect(try MailTransportKind("smtps://relay") == .smtp(SMTPServer(host: "relay", port: 465, security: .implicit)))
        #expect(try MailTransportKind("smtps://ses%2Buser:p%40ss%3Aw0rd@relay:4650")
                == .smtp(SMTPServer(host: "relay", port: 4650, security: .implicit,
                                    credentials: SMTPCredentials(username: "ses+user", password: "p@ss:w0rd"))))
        #expect(throws: (any Error).self) { try MailTransportKind("smtps://relay", smtpTLS: .require) }
        #expect(throws: (any Error).self) { try MailTransportKind("smtp://user-only@relay") }
        #expect(throws: (any Error).self) { try MailTransportKind("pigeon") }
        #expect(throws: (any Error).self) { try SMTPSecurity(parsing: "sometimes") }
        #expect(try SMTPSecurity(parsing: "STARTTLS-IF-OFFERED") == .starttlsIfOffered)
        // The password never shows in a description (configuration dumps, error messages).
        #expect(!"\(SMTPCredentials(username: "u", password: "hunter2"))".contains("hunter2"))
    }

    @Test func smtpSettingsAreReadFromTheEnvironment() throws {
        let base = ["DATABASE_URL": "postgres://app@127.0.0.1/gatehouse", "KEY_PEPPER": String(repeating: "p", count: 32),
                    "JWT_SIGNING_KEY": Data(repeating: 7, count: 32).base64EncodedString()]
        let configuration = try AppConfiguration(environment: base.merging(
            ["MAIL_TRANSPORT": "smtp://relay:587", "SMTP_TLS": "starttls-if-offered", "MAIL_RETENTION_DAYS": "2"]) { $1 })
        #expect(configuration.smtpTLS == .starttlsIfOffered)
        #expect(configuration.mailRetention == 2 * 86_400)
        #expect(try AppConfiguration(environment: base).smtpTLS == nil)
        #expect(throws: AppConfiguration.ConfigurationError.self) {
            try AppConfiguration(environment: base.merging(["SMTP_TLS": "never"]) { $1 })
        }
        #expect(throws: AppConfiguration.ConfigurationError.self) {
            try AppConfiguration(environment: base.merging(["MAIL_TRANSPORT": "smtps://relay", "SMTP_TLS": "starttls-if-offered"]) { $1 })
        }
    }
}

/// The outbox lifecycle on a scratch database of its own: the worker claims mails across
/// tenants, so on the shared database it would meet (and send or fail) other suites' mails.
@Suite("Mail outbox: nothing sent in the clear, bodies cleared, old rows pruned", .serialized)
struct MailOutboxLifecycleTests {
    private struct Scratch {
        let name: String
        let database: Database
        let outbox: PostgresMailOutboxRepository
        let tenant: UUID
    }

    private func withScratch(_ body: (Scratch) async throws -> Void) async throws {
        let (name, _, appURL) = try await TestDatabase.createMigratedScratchDatabase()
        let pool = PostgresPool(configuration: try PostgresConfiguration(url: appURL, maxConnections: 2), logger: TestDatabase.logger)
        let database = Database(pool: pool)
        do {
            let tenant = try await TestTenant.create(in: database)
            try await body(Scratch(name: name, database: database, outbox: PostgresMailOutboxRepository(database: database), tenant: tenant))
            await pool.shutdown()
        } catch {
            await pool.shutdown()
            throw error
        }
    }

    /// Queues a mail with a one-time link in its body; returns its id.
    private func enqueue(_ scratch: Scratch, subject: String = "Reset your password") async throws -> UUID {
        try await scratch.database.withTenant(scratch.tenant) { db in
            try await PostgresMailOutboxRepository.enqueue(db, tenantID: scratch.tenant, mail: OutgoingMail(
                to: "someone@example.com", subject: subject, bodyText: "https://example.com/reset?token=live-token"))
            return try await db.query("SELECT id FROM mail_outbox WHERE subject = \(subject)").first!.decode("id", as: UUID.self)
        }
    }

    private struct Row {
        var body: String?
        var sent: Bool
        var abandoned: Bool
        var attempts: Int
        var lastError: String?
        var due: Bool
    }

    private func row(_ scratch: Scratch, _ id: UUID) async throws -> Row? {
        try await scratch.database.withTenant(scratch.tenant) { db in
            try await db.query("""
                SELECT body_text, sent_at IS NOT NULL AS sent, abandoned_at IS NOT NULL AS abandoned, attempts,
                       last_error, next_attempt_at <= now() AS due
                  FROM mail_outbox WHERE id = \(id)
                """).first.map { row in
                Row(body: try row.decode("body_text"), sent: try row.decode("sent"), abandoned: try row.decode("abandoned"),
                    attempts: try row.decode("attempts"), lastError: try row.decode("last_error"), due: try row.decode("due"))
            }
        }
    }

    private func worker(_ scratch: Scratch, transport: any MailTransport) -> MailWorker {
        MailWorker(outbox: scratch.outbox, transport: transport, from: "Gatehouse <no-reply@example.com>",
                   pollInterval: .seconds(1), logger: TestDatabase.logger)
    }

    /// End to end through the worker: a server that hides STARTTLS gets nothing, the mail stays
    /// queued with its body and the reason; once a server speaks TLS, it goes out and its body is gone.
    @Test func aMailRefusedInTheClearStaysQueuedThenGoesOutOverTLSAndLosesItsBody() async throws {
        try await withScratch { scratch in
            let id = try await enqueue(scratch)

            let stripped = try await FakeSMTPServer.start()
            let plainOnly = try makeMailTransport("smtp://127.0.0.1:\(stripped.port)", logger: TestDatabase.logger)
            let refused = await worker(scratch, transport: plainOnly).drainOnce()
            #expect(refused == 0)
            #expect(await stripped.waitUntilDone())
            #expect(stripped.data.isEmpty)
            let queued = try #require(try await row(scratch, id))
            #expect(!queued.sent && !queued.abandoned && !queued.due)
            #expect(queued.attempts == 1)
            #expect(queued.body == "https://example.com/reset?token=live-token")
            #expect(queued.lastError?.contains("STARTTLS") == true)

            // Due again (as after its backoff), and now the server offers STARTTLS.
            try await scratch.database.withPlatform { db in
                try await db.query("SELECT platform_mark_mail_failed(\(id), 'test: due now', now())")
            }
            let certificate = try await TestCertificate.generate()
            defer { certificate.remove() }
            let secure = try await FakeSMTPServer.start(tls: certificate)
            let withTLS = try makeMailTransport("smtp://localhost:\(secure.port)", smtpCAFile: certificate.certificatePath,
                                                logger: TestDatabase.logger)
            let sent = await worker(scratch, transport: withTLS).drainOnce()
            #expect(sent == 1)
            #expect(await secure.waitUntilDone())
            #expect(secure.dataOverTLS)
            #expect(secure.data.contains("token=live-token"))
            let done = try #require(try await row(scratch, id))
            #expect(done.sent)
            #expect(done.body == nil)
        }
    }

    /// Retry and backoff end to end: a server that answers 451 (try later) to the first delivery
    /// and accepts the second. The failure is in the row (attempt 1, the reply, the next try a
    /// backoff later), the worker's own loop retries once the backoff is over, and the mail is
    /// delivered exactly once.
    @Test func aMailRefusedForNowIsRetriedAfterItsBackoffAndSentExactlyOnce() async throws {
        try await withScratch { scratch in
            let id = try await enqueue(scratch)
            let server = try await FakeSMTPServer.start(rcptReplies: ["451 4.3.0 try again later", "250 OK"])
            let transport = try SMTPMailTransport(
                server: SMTPServer(host: "127.0.0.1", port: server.port, security: .starttlsIfOffered, credentials: nil),
                caFile: nil, logger: TestDatabase.logger)
            var retrying = worker(scratch, transport: transport)
            retrying.retryDelay = 2

            let before = Date()
            #expect(await retrying.drainOnce() == 0)
            let after = Date()
            let failed = try await scratch.database.withTenant(scratch.tenant) { db in
                try await db.query("""
                    SELECT attempts, last_error, sent_at IS NOT NULL AS sent, next_attempt_at FROM mail_outbox WHERE id = \(id)
                    """).first!
            }
            #expect(try failed.decode("attempts", as: Int.self) == 1)
            #expect(try failed.decode("sent", as: Bool.self) == false)
            #expect(try failed.decode("last_error", as: String?.self)?.contains("451") == true)
            let nextAttempt = try failed.decode("next_attempt_at", as: Date.self)
            #expect(nextAttempt >= before.addingTimeInterval(2) && nextAttempt <= after.addingTimeInterval(2))

            let loop = Task { try await retrying.run() }
            defer { loop.cancel() }
            try await Eventually.wait(for: "the worker's loop to send the mail after its backoff") {
                try await row(scratch, id)?.sent == true
            }
            let sent = try await scratch.database.withTenant(scratch.tenant) { db in
                try await db.query("SELECT attempts, sent_at FROM mail_outbox WHERE id = \(id)").first!
            }
            #expect(try sent.decode("attempts", as: Int.self) == 2)
            // Not before its backoff was over.
            #expect(try sent.decode("sent_at", as: Date.self) >= nextAttempt)
            #expect(server.connections == 2)
            #expect(server.deliveries.count == 1)
            #expect(server.deliveries.first?.contains("token=live-token") == true)
        }
    }

    @Test func anAbandonedMailLosesItsBodyAndAFailedOneKeepsIt() async throws {
        try await withScratch { scratch in
            let retried = try await enqueue(scratch, subject: "retried")
            let abandoned = try await enqueue(scratch, subject: "abandoned")
            try await scratch.outbox.markFailed(id: retried, error: "451 try later", retryAt: Date().addingTimeInterval(60))
            try await scratch.outbox.markFailed(id: abandoned, error: "550 gone", retryAt: .distantFuture)
            let kept = try #require(try await row(scratch, retried))
            #expect(kept.body != nil && !kept.abandoned)
            let gone = try #require(try await row(scratch, abandoned))
            #expect(gone.body == nil && gone.abandoned && !gone.sent)
            #expect(gone.lastError == "550 gone")
            // Finished is final: a late "sent" from a slow worker changes nothing.
            try await scratch.outbox.markSent(id: abandoned)
            #expect(try await row(scratch, abandoned)?.sent == false)
        }
    }

    @Test func theWorkerGivesUpAfterItsLastAttemptAndClearsTheBody() async throws {
        try await withScratch { scratch in
            let id = try await enqueue(scratch)
            let stripped = try await FakeSMTPServer.start()
            let plainOnly = try makeMailTransport("smtp://127.0.0.1:\(stripped.port)", logger: TestDatabase.logger)
            var lastTry = worker(scratch, transport: plainOnly)
            lastTry.maxAttempts = 1
            #expect(await lastTry.drainOnce() == 0)
            let gone = try #require(try await row(scratch, id))
            #expect(gone.abandoned && gone.body == nil)
        }
    }

    @Test func pruningDeletesOnlyFinishedMailsOlderThanTheCutoff() async throws {
        try await withScratch { scratch in
            let sent = try await enqueue(scratch, subject: "sent")
            let abandoned = try await enqueue(scratch, subject: "abandoned")
            let pending = try await enqueue(scratch, subject: "pending")
            try await scratch.outbox.markSent(id: sent)
            try await scratch.outbox.markFailed(id: abandoned, error: "550", retryAt: .distantFuture)

            // Finished just now: younger than a cutoff a day ago.
            #expect(try await scratch.outbox.prune(finishedBefore: Date().addingTimeInterval(-86_400)) == 0)
            #expect(try await scratch.outbox.prune(finishedBefore: Date().addingTimeInterval(60)) == 2)
            #expect(try await row(scratch, sent) == nil)
            #expect(try await row(scratch, abandoned) == nil)
            #expect(try await row(scratch, pending)?.body != nil)
        }
    }

    /// The table itself refuses a finished mail that still holds a body.
    @Test func aFinishedMailCannotKeepItsBody() async throws {
        try await withScratch { scratch in
            let id = try await enqueue(scratch)
            try await scratch.outbox.markSent(id: id)
            let owner = PostgresPool(configuration: try PostgresConfiguration(
                url: try TestDatabase.replacingDatabase(in: try TestDatabase.ownerURL, with: scratch.name),
                maxConnections: 1), logger: TestDatabase.logger)
            defer { Task { await owner.shutdown() } }
            await #expect(throws: (any Error).self) {
                try await owner.withConnection { db in
                    try await db.query("UPDATE mail_outbox SET body_text = 'token' WHERE id = \(id)")
                }
            }
        }
    }
}
