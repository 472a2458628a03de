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
        #expect(try MailTransportKind("smtp://mail.example.com:2525") == .smtp(host: "mail.example.com", port: 2525))
        #expect(try MailTransportKind("smtp://relay") == .smtp(host: "relay", port: 25))
        #expect(throws: (any Error).self) { try MailTransportKind("pigeon") }
    }
}

@Suite("SMTP transport against a fake server")
struct SMTPTransportTests {
    private func message(to: String = "rcpt@example.com") -> MailMessage {
        MailMessage(id: UUID(), from: "Gatehouse <no-reply@example.com>", to: to, subject: "Hello",
                    bodyText: "first line\n.starts with a dot\nlast", date: Date())
    }

    @Test func deliversWithEnvelopeAndDotStuffing() async throws {
        let server = try await FakeSMTPServer.start()
        let transport = try SMTPMailTransport(host: "127.0.0.1", port: server.port, logger: TestDatabase.logger)
        try await transport.send(message())
        #expect(await server.waitUntilDone())
        #expect(server.transcript == ["EHLO gatehouse.local", "MAIL FROM:<no-reply@example.com>", "RCPT TO:<rcpt@example.com>", "DATA", "QUIT"])
        #expect(server.data.contains("\r\nSubject: Hello\r\n"))
        #expect(server.data.contains("\r\nfirst line\r\n..starts with a dot\r\nlast"))
        #expect(!server.dataOverTLS)
    }

    @Test func refusedRecipientThrowsSoTheOutboxRetries() async throws {
        let server = try await FakeSMTPServer.start(rcptReply: "550 no such user")
        let transport = try SMTPMailTransport(host: "127.0.0.1", port: server.port, logger: TestDatabase.logger)
        await #expect(throws: SMTPMailTransport.SMTPError.self) {
            try await transport.send(message())
        }
    }

    @Test func upgradesWithStartTLSBeforeSendingTheMail() async throws {
        let certificate = try await TestCertificate.generate()
        defer { certificate.remove() }
        let server = try await FakeSMTPServer.start(tls: certificate)
        let transport = try SMTPMailTransport(host: "127.0.0.1", port: server.port, caFile: certificate.certificatePath,
                                              logger: TestDatabase.logger)
        try await transport.send(message())
        #expect(await server.waitUntilDone())
        // Only the first EHLO and STARTTLS in plain text; the envelope and message over TLS.
        #expect(server.transcript == ["EHLO gatehouse.local", "STARTTLS", "tls: EHLO gatehouse.local",
                                      "tls: MAIL FROM:<no-reply@example.com>", "tls: RCPT TO:<rcpt@example.com>",
                                      "tls: DATA", "tls: QUIT"])
        #expect(server.dataOverTLS)
        #expect(server.data.contains("\r\nfirst line\r\n..starts with a dot\r\nlast"))
    }

    @Test func startTLSVerifiesTheHostNameToo() async throws {
        let certificate = try await TestCertificate.generate()
        defer { certificate.remove() }
        let server = try await FakeSMTPServer.start(tls: certificate)
        // "localhost" is in the certificate (and goes out as SNI): verified by name, not address.
        let transport = try SMTPMailTransport(host: "localhost", port: server.port, caFile: certificate.certificatePath,
                                              logger: TestDatabase.logger)
        try await transport.send(message())
        #expect(await server.waitUntilDone())
        #expect(server.dataOverTLS)
    }

    @Test func aCertificateFromAnotherCAFailsTheSendSoTheMailStaysForRetry() async throws {
        let certificate = try await TestCertificate.generate()
        let otherCA = try await TestCertificate.generate()
        defer { certificate.remove(); otherCA.remove() }
        let server = try await FakeSMTPServer.start(tls: certificate)
        let transport = try SMTPMailTransport(host: "127.0.0.1", port: server.port, caFile: otherCA.certificatePath,
                                              logger: TestDatabase.logger)
        await #expect(throws: (any Error).self) {
            try await transport.send(message())
        }
        #expect(await server.waitUntilDone())
        #expect(server.transcript == ["EHLO gatehouse.local", "STARTTLS"])
        #expect(server.data.isEmpty)
    }

    @Test func anUnreadableCAFileIsRefusedAtStartUp() throws {
        #expect(throws: (any Error).self) {
            try makeMailTransport("smtp://relay.example.com:587", smtpCAFile: "/nonexistent/ca.pem", logger: TestDatabase.logger)
        }
    }
}
