import Foundation
@testable import GatehouseAPI
import GatehouseTestSupport
import Testing

@Suite("SMTP transport against a fake server")
struct SMTPTransportTests {
    private func message(to: String = "rcpt@example.com") -> MailMessage {
        MailMessage(id: UUID(), from: "Gatehouse <no-reply@example.com>", to: to, subject: "Hello",
                    bodyText: "first line\n.starts with a dot\nlast", date: Date())
    }

    private func transport(port: Int, host: String = "127.0.0.1", security: SMTPSecurity = .require,
                           credentials: SMTPCredentials? = nil, caFile: String? = nil) throws -> SMTPMailTransport {
        try SMTPMailTransport(server: SMTPServer(host: host, port: port, security: security, credentials: credentials),
                              caFile: caFile, logger: TestDatabase.logger)
    }

    /// The envelope and the message as the fake records them, each line with `prefix`.
    private func envelope(_ prefix: String) -> [String] {
        ["MAIL FROM:<no-reply@example.com>", "RCPT TO:<rcpt@example.com>", "DATA", "QUIT"].map { prefix + $0 }
    }

    @Test func deliversWithEnvelopeAndDotStuffingWhenPlainTextIsAllowed() async throws {
        let server = try await FakeSMTPServer.start()
        try await transport(port: server.port, security: .starttlsIfOffered).send(message())
        #expect(await server.waitUntilDone())
        #expect(server.transcript == ["EHLO gatehouse.local"] + envelope(""))
        #expect(server.data.contains("\r\nSubject: Hello\r\n"))
        #expect(server.data.contains("\r\nfirst line\r\n..starts with a dot\r\nlast"))
        #expect(!server.dataOverTLS)
    }

    @Test func refusedRecipientThrowsSoTheOutboxRetries() async throws {
        let server = try await FakeSMTPServer.start(rcptReply: "550 no such user")
        await #expect(throws: SMTPMailTransport.SMTPError.self) {
            try await transport(port: server.port, security: .starttlsIfOffered).send(message())
        }
    }

    /// The attack: a man in the middle removes `STARTTLS` from the EHLO reply. With the default
    /// (`smtp://` means `SMTP_TLS=require`) nothing of the mail crosses the wire, and the
    /// refusal is logged.
    @Test func aServerThatHidesStartTLSGetsNoMailByDefault() async throws {
        let server = try await FakeSMTPServer.start()
        let (logger, logged) = RecordingLogHandler.logger()
        let transport = try makeMailTransport("smtp://127.0.0.1:\(server.port)", logger: logger)
        await #expect(throws: SMTPMailTransport.SMTPError.self) {
            try await transport.send(message())
        }
        #expect(await server.waitUntilDone())
        #expect(server.transcript == ["EHLO gatehouse.local", "QUIT"])
        #expect(server.data.isEmpty)
        #expect(logged.all.contains { $0.level == .error && $0.message.contains("does not offer STARTTLS") })
    }

    @Test func upgradesWithStartTLSBeforeSendingTheMail() async throws {
        let certificate = try await TestCertificate.generate()
        defer { certificate.remove() }
        let server = try await FakeSMTPServer.start(tls: certificate)
        try await transport(port: server.port, caFile: certificate.certificatePath).send(message())
        #expect(await server.waitUntilDone())
        // Only the first EHLO and STARTTLS in plain text; the envelope and message over TLS.
        #expect(server.transcript == ["EHLO gatehouse.local", "STARTTLS", "tls: EHLO gatehouse.local"] + envelope("tls: "))
        #expect(server.dataOverTLS)
        #expect(server.data.contains("\r\nfirst line\r\n..starts with a dot\r\nlast"))
    }

    @Test func startTLSVerifiesTheHostNameToo() async throws {
        let certificate = try await TestCertificate.generate()
        defer { certificate.remove() }
        let server = try await FakeSMTPServer.start(tls: certificate)
        // "localhost" is in the certificate (and goes out as SNI): verified by name, not address.
        try await transport(port: server.port, host: "localhost", caFile: certificate.certificatePath).send(message())
        #expect(await server.waitUntilDone())
        #expect(server.dataOverTLS)
    }

    /// A trusted CA's certificate for another name must be refused: this fails if host name
    /// verification is ever turned off (a trusted chain alone would pass).
    @Test(arguments: ["localhost", "127.0.0.1"])
    func aTrustedCertificateForAnotherNameIsRefused(host: String) async throws {
        let certificate = try await TestCertificate.generate(names: ["DNS:mail.example.net"])
        defer { certificate.remove() }
        let server = try await FakeSMTPServer.start(tls: certificate)
        await #expect(throws: (any Error).self) {
            try await transport(port: server.port, host: host, caFile: certificate.certificatePath).send(message())
        }
        #expect(await server.waitUntilDone())
        #expect(server.transcript == ["EHLO gatehouse.local", "STARTTLS"])
        #expect(server.data.isEmpty)
    }

    @Test func aCertificateFromAnotherCAFailsTheSendSoTheMailStaysForRetry() async throws {
        let certificate = try await TestCertificate.generate()
        let otherCA = try await TestCertificate.generate()
        defer { certificate.remove(); otherCA.remove() }
        let server = try await FakeSMTPServer.start(tls: certificate)
        await #expect(throws: (any Error).self) {
            try await transport(port: server.port, caFile: otherCA.certificatePath).send(message())
        }
        #expect(await server.waitUntilDone())
        #expect(server.transcript == ["EHLO gatehouse.local", "STARTTLS"])
        #expect(server.data.isEmpty)
    }

    /// Credentials from the URL, percent-decoded, go out as AUTH PLAIN only after STARTTLS,
    /// although the server announces AUTH before it too.
    @Test func authPlainCredentialsArriveOnlyAfterStartTLS() async throws {
        let certificate = try await TestCertificate.generate()
        defer { certificate.remove() }
        let server = try await FakeSMTPServer.start(tls: certificate, auth: ["PLAIN", "LOGIN"])
        let transport = try makeMailTransport("smtp://ses%2Buser:p%40ss%3Aw0rd@127.0.0.1:\(server.port)",
                                              smtpCAFile: certificate.certificatePath, logger: TestDatabase.logger)
        try await transport.send(message())
        #expect(await server.waitUntilDone())
        let plain = Data("\u{0}ses+user\u{0}p@ss:w0rd".utf8).base64EncodedString()
        #expect(server.transcript == ["EHLO gatehouse.local", "STARTTLS", "tls: EHLO gatehouse.local",
                                      "tls: AUTH PLAIN \(plain)"] + envelope("tls: "))
        #expect(server.dataOverTLS)
    }

    @Test func authLoginWhenThatIsAllTheServerOffers() async throws {
        let certificate = try await TestCertificate.generate()
        defer { certificate.remove() }
        let server = try await FakeSMTPServer.start(tls: certificate, auth: ["LOGIN"])
        try await transport(port: server.port, credentials: SMTPCredentials(username: "relay-user", password: "s3cret pass"),
                            caFile: certificate.certificatePath).send(message())
        #expect(await server.waitUntilDone())
        func base64(_ text: String) -> String { Data(text.utf8).base64EncodedString() }
        #expect(server.transcript == ["EHLO gatehouse.local", "STARTTLS", "tls: EHLO gatehouse.local", "tls: AUTH LOGIN",
                                      "tls: " + base64("relay-user"), "tls: " + base64("s3cret pass")] + envelope("tls: "))
    }

    /// With plain text allowed (`starttls-if-offered`) and no STARTTLS on offer, a mail with
    /// credentials is not sent at all: the credentials never cross the wire in the clear.
    @Test func credentialsAreNeverSentInTheClear() async throws {
        let server = try await FakeSMTPServer.start(auth: ["PLAIN", "LOGIN"])
        let (logger, logged) = RecordingLogHandler.logger()
        let transport = try SMTPMailTransport(
            server: SMTPServer(host: "127.0.0.1", port: server.port, security: .starttlsIfOffered,
                               credentials: SMTPCredentials(username: "relay-user", password: "s3cret")),
            logger: logger)
        await #expect(throws: SMTPMailTransport.SMTPError.self) {
            try await transport.send(message())
        }
        #expect(await server.waitUntilDone())
        #expect(server.transcript == ["EHLO gatehouse.local", "QUIT"])
        #expect(server.data.isEmpty)
        #expect(logged.all.contains { $0.level == .error && $0.message.contains("not encrypted") })
        #expect(!logged.all.contains { $0.message.contains("s3cret") })
    }

    @Test func credentialsWithoutAMechanismWeSpeakFailTheSend() async throws {
        let certificate = try await TestCertificate.generate()
        defer { certificate.remove() }
        let server = try await FakeSMTPServer.start(tls: certificate, auth: ["CRAM-MD5"])
        await #expect(throws: SMTPMailTransport.SMTPError.self) {
            try await transport(port: server.port, credentials: SMTPCredentials(username: "u", password: "p"),
                                caFile: certificate.certificatePath).send(message())
        }
        #expect(await server.waitUntilDone())
        #expect(server.data.isEmpty)
    }

    /// `smtps://` speaks TLS from the first byte: every line the server reads came over TLS.
    @Test func implicitTLSWithAuthentication() async throws {
        let certificate = try await TestCertificate.generate()
        defer { certificate.remove() }
        let server = try await FakeSMTPServer.start(tls: certificate, implicitTLS: true, auth: ["PLAIN"])
        let transport = try makeMailTransport("smtps://relay-user:s3cret@localhost:\(server.port)",
                                              smtpCAFile: certificate.certificatePath, logger: TestDatabase.logger)
        try await transport.send(message())
        #expect(await server.waitUntilDone())
        let plain = Data("\u{0}relay-user\u{0}s3cret".utf8).base64EncodedString()
        #expect(server.transcript == ["tls: EHLO gatehouse.local", "tls: AUTH PLAIN \(plain)"] + envelope("tls: "))
        #expect(server.dataOverTLS)
    }

    @Test func implicitTLSRefusesACertificateForAnotherName() async throws {
        let certificate = try await TestCertificate.generate(names: ["DNS:mail.example.net"])
        defer { certificate.remove() }
        let server = try await FakeSMTPServer.start(tls: certificate, implicitTLS: true)
        await #expect(throws: (any Error).self) {
            try await transport(port: server.port, host: "localhost", security: .implicit,
                                caFile: certificate.certificatePath).send(message())
        }
        #expect(await server.waitUntilDone())
        #expect(server.transcript.isEmpty)
    }

    @Test func anUnreadableCAFileIsRefusedAtStartUp() throws {
        #expect(throws: (any Error).self) {
            try makeMailTransport("smtp://relay.example.com:587", smtpCAFile: "/nonexistent/ca.pem", logger: TestDatabase.logger)
        }
    }
}
