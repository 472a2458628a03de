import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL

/// An SMTP client on SwiftNIO (RFC 5321): EHLO, TLS, AUTH, MAIL FROM, RCPT TO, DATA with
/// dot-stuffing, QUIT; one connection per mail.
///
/// TLS follows `server.security` (`SMTP_TLS`): `require` upgrades with STARTTLS (RFC 3207) and
/// sends nothing else to a server that does not offer it, so a man in the middle who strips
/// the offer gets no mail; `starttls-if-offered` falls back to plain text with a warning;
/// `implicit` speaks TLS from the first byte. The server's certificate is verified against the
/// system trust store, or only against `caFile` (PEM, `SMTP_CA_FILE`), and always its name
/// against `host`. Credentials (SMTP AUTH PLAIN or LOGIN) are sent only over TLS.
/// Any failure throws, and the outbox retries the mail later.
struct SMTPMailTransport: MailTransport {
    let server: SMTPServer
    let logger: Logger
    var timeout: Duration = .seconds(30)
    /// Client TLS settings (certificate and host name verification always on).
    private let tlsContext: NIOSSLContext

    struct SMTPError: Error, CustomStringConvertible {
        let description: String
    }

    /// - Parameter caFile: a PEM file of the CA certificates to trust instead of the system's.
    /// - Throws: when the CA file cannot be read as PEM certificates.
    init(server: SMTPServer, caFile: String? = nil, logger: Logger) throws {
        self.server = server
        self.logger = logger
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.certificateVerification = .fullVerification
        if let caFile {
            tls.trustRoots = .file(caFile)
        }
        tlsContext = try NIOSSLContext(configuration: tls)
    }

    func send(_ message: MailMessage) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await self.deliver(message) }
            group.addTask {
                try await Task.sleep(for: self.timeout)
                throw SMTPError(description: "SMTP timed out after \(self.timeout)")
            }
            try await group.next()
            group.cancelAll()
        }
    }

    private var metadata: Logger.Metadata {
        ["host": .string(server.host), "port": .stringConvertible(server.port), "smtp_tls": .string(server.security.rawValue)]
    }

    private func deliver(_ message: MailMessage) async throws {
        let implicitTLS = server.security == .implicit
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(10))
            .connect(host: server.host, port: server.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    if implicitTLS {
                        try channel.pipeline.syncOperations.addHandler(try makeTLSHandler())
                    }
                    return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        let nioChannel = channel.channel
        try await channel.executeThenClose { inbound, outbound in
            var smtp = SMTPConversation(outbound: outbound, replies: SMTPReplyReader(inbound.makeAsyncIterator()))
            let greeting = try await smtp.replies.next()
            guard greeting.code == 220 else {
                throw SMTPError(description: "SMTP greeting \(greeting.code) \(greeting.lines.joined(separator: " "))")
            }
            var extensions = try await smtp.hello()
            var encrypted = implicitTLS
            if !encrypted {
                if extensions.offers("STARTTLS") {
                    try await smtp.command("STARTTLS", expect: 220...220)
                    // Anything already sent after the 220 came in plain text: it could be injected.
                    guard !smtp.replies.hasBufferedInput else {
                        throw SMTPError(description: "SMTP server sent data after its STARTTLS reply")
                    }
                    try await startTLS(on: nioChannel)
                    encrypted = true
                    // RFC 3207: forget what was learnt before TLS and say hello again.
                    extensions = try await smtp.hello()
                } else if server.security == .require {
                    _ = try? await smtp.command("QUIT", expect: 221...221)
                    logger.error("SMTP server does not offer STARTTLS and SMTP_TLS=require: mail not sent, it stays queued for retry",
                                 metadata: metadata)
                    throw SMTPError(description: "SMTP server does not offer STARTTLS (SMTP_TLS=require): nothing sent in the clear")
                } else {
                    logger.warning("SMTP server does not offer STARTTLS: sending the mail in plain text (SMTP_TLS=starttls-if-offered)",
                                   metadata: metadata)
                }
            }
            if let credentials = server.credentials {
                guard encrypted else {
                    _ = try? await smtp.command("QUIT", expect: 221...221)
                    logger.error("SMTP credentials are configured but the connection is not encrypted: mail not sent, credentials not sent",
                                 metadata: metadata)
                    throw SMTPError(description: "SMTP AUTH refused without TLS: credentials are never sent in the clear")
                }
                try await smtp.authenticate(credentials, extensions: extensions)
            }
            try await smtp.command("MAIL FROM:<\(Self.clean(message.fromAddress))>", expect: 250...250)
            try await smtp.command("RCPT TO:<\(Self.clean(message.to))>", expect: 250...251)
            try await smtp.command("DATA", expect: 354...354)
            // Dot-stuffing: a line starting with "." gets another one.
            let stuffed = message.rfc5322.split(separator: "\r\n", omittingEmptySubsequences: false)
                .map { $0.hasPrefix(".") ? "." + $0 : String($0) }.joined(separator: "\r\n")
            try await smtp.outbound.write(ByteBuffer(string: stuffed))
            try await smtp.command(".", expect: 250...250)
            _ = try? await smtp.command("QUIT", expect: 221...221)
        }
        logger.debug("mail sent over SMTP", metadata: metadata)
    }

    /// A TLS client handler that verifies the server's certificate and its name.
    private func makeTLSHandler() throws -> NIOSSLClientHandler {
        // SNI takes a name, never an IP address; with an address the certificate is checked
        // against the peer's address instead.
        let serverName: String? = (try? SocketAddress(ipAddress: server.host, port: 0)) == nil ? server.host : nil
        return try NIOSSLClientHandler(context: tlsContext, serverHostname: serverName)
    }

    /// Puts a TLS client handler at the front of the pipeline: from here on, everything the
    /// async channel reads and writes goes through TLS (the handshake starts at once).
    private func startTLS(on channel: any Channel) async throws {
        try await channel.eventLoop.submit {
            try channel.pipeline.syncOperations.addHandler(try makeTLSHandler(), position: .first)
        }.get()
    }

    /// No line breaks or angle brackets in an envelope address.
    static func clean(_ address: String) -> String {
        String(address.filter { !"\r\n<>".contains($0) })
    }
}
