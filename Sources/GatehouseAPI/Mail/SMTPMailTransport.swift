import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL

/// An SMTP client on SwiftNIO (RFC 5321): EHLO, STARTTLS when the server offers it (RFC 3207),
/// MAIL FROM, RCPT TO, DATA with dot-stuffing, QUIT; one connection per mail.
///
/// After STARTTLS the server's certificate is verified against the system trust store, or only
/// against `caFile` (PEM, `SMTP_CA_FILE`) when one is given, and its name against `host`.
/// A server that does not offer STARTTLS gets the mail in plain text (with a warning in the log).
/// Any failure, a refused or unverifiable certificate included, throws, and the outbox retries
/// the mail later.
struct SMTPMailTransport: MailTransport {
    let host: String
    let port: Int
    let logger: Logger
    var timeout: Duration = .seconds(30)
    /// Client TLS settings for STARTTLS (certificate and host name verification always on).
    private let tlsContext: NIOSSLContext

    struct SMTPError: Error, CustomStringConvertible {
        let description: String
    }

    /// - Parameter caFile: a PEM file of the CA certificates to trust instead of the system's.
    /// - Throws: when the CA file cannot be read as PEM certificates.
    init(host: String, port: Int, caFile: String? = nil, logger: Logger) throws {
        self.host = host
        self.port = port
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

    private func deliver(_ message: MailMessage) async throws {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(10))
            .connect(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        let nioChannel = channel.channel
        try await channel.executeThenClose { inbound, outbound in
            var replies = SMTPReplyReader(inbound.makeAsyncIterator())
            @discardableResult
            func command(_ line: String, expect: ClosedRange<Int>) async throws -> (code: Int, lines: [String]) {
                try await outbound.write(ByteBuffer(string: line + "\r\n"))
                let reply = try await replies.next()
                guard expect.contains(reply.code) else {
                    throw SMTPError(description: "SMTP \(line.split(separator: " ").first ?? "") answered \(reply.code) \(reply.lines.joined(separator: " "))")
                }
                return reply
            }
            let greeting = try await replies.next()
            guard greeting.code == 220 else {
                throw SMTPError(description: "SMTP greeting \(greeting.code) \(greeting.lines.joined(separator: " "))")
            }
            let hello = try await command("EHLO gatehouse.local", expect: 250...250)
            // The first line of the EHLO reply is the greeting; each further line is one extension.
            if hello.lines.dropFirst().contains(where: { $0.split(separator: " ").first?.uppercased() == "STARTTLS" }) {
                try await command("STARTTLS", expect: 220...220)
                // Anything already sent after the 220 came in plain text: it could be injected.
                guard !replies.hasBufferedInput else {
                    throw SMTPError(description: "SMTP server sent data after its STARTTLS reply")
                }
                try await startTLS(on: nioChannel)
                // RFC 3207: forget what was learnt before TLS and say hello again.
                try await command("EHLO gatehouse.local", expect: 250...250)
            } else {
                logger.warning("SMTP server does not offer STARTTLS: sending the mail in plain text",
                               metadata: ["host": .string(host), "port": .stringConvertible(port)])
            }
            try await command("MAIL FROM:<\(Self.clean(message.fromAddress))>", expect: 250...250)
            try await command("RCPT TO:<\(Self.clean(message.to))>", expect: 250...251)
            try await command("DATA", expect: 354...354)
            // Dot-stuffing: a line starting with "." gets another one.
            let stuffed = message.rfc5322.split(separator: "\r\n", omittingEmptySubsequences: false)
                .map { $0.hasPrefix(".") ? "." + $0 : String($0) }.joined(separator: "\r\n")
            try await outbound.write(ByteBuffer(string: stuffed))
            try await command(".", expect: 250...250)
            try? await command("QUIT", expect: 221...221)
        }
        logger.debug("mail sent over SMTP", metadata: ["host": .string(host)])
    }

    /// Puts a TLS client handler at the front of the pipeline: from here on, everything the
    /// async channel reads and writes goes through TLS (the handshake starts at once).
    private func startTLS(on channel: any Channel) async throws {
        let context = tlsContext
        // SNI takes a name, never an IP address; with an address the certificate is checked
        // against the peer's address instead.
        let serverName: String? = (try? SocketAddress(ipAddress: host, port: 0)) == nil ? host : nil
        try await channel.eventLoop.submit {
            let handler = try NIOSSLClientHandler(context: context, serverHostname: serverName)
            try channel.pipeline.syncOperations.addHandler(handler, position: .first)
        }.get()
    }

    /// No line breaks or angle brackets in an envelope address.
    static func clean(_ address: String) -> String {
        String(address.filter { !"\r\n<>".contains($0) })
    }
}

/// Reads SMTP replies (possibly multi-line: `250-…` continues, `250 …` ends) from the channel.
struct SMTPReplyReader {
    private var iterator: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
    private var pending = ""

    init(_ iterator: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator) {
        self.iterator = iterator
    }

    /// Whether bytes after the last reply have been read but not consumed.
    var hasBufferedInput: Bool { !pending.isEmpty }

    /// The next reply: its code and the text of each of its lines.
    mutating func next() async throws -> (code: Int, lines: [String]) {
        var lines: [String] = []
        while true {
            let line = try await nextLine()
            guard line.count >= 3, let code = Int(line.prefix(3)) else {
                throw SMTPMailTransport.SMTPError(description: "malformed SMTP reply")
            }
            lines.append(String(line.dropFirst(4)))
            if line.count == 3 || line[line.index(line.startIndex, offsetBy: 3)] != "-" {
                return (code, lines)
            }
        }
    }

    private mutating func nextLine() async throws -> String {
        while true {
            if let range = pending.range(of: "\r\n") {
                let line = String(pending[..<range.lowerBound])
                pending.removeSubrange(..<range.upperBound)
                return line
            }
            guard pending.utf8.count < 64 * 1024, var buffer = try await iterator.next() else {
                throw SMTPMailTransport.SMTPError(description: "SMTP connection closed")
            }
            pending += buffer.readString(length: buffer.readableBytes) ?? ""
        }
    }
}
