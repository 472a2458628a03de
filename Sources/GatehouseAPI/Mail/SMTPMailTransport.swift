import Foundation
import Logging
import NIOCore
import NIOPosix

/// A plain SMTP client on SwiftNIO (RFC 5321): EHLO, MAIL FROM, RCPT TO, DATA with
/// dot-stuffing, QUIT; one connection per mail. It does not speak STARTTLS: the package list
/// has no TLS library declared (swift-nio-ssl would be a new dependency), so point it at a local
/// relay or a submission proxy that handles TLS. Any non-2xx/3xx reply throws, and the
/// outbox retries the mail later.
struct SMTPMailTransport: MailTransport {
    let host: String
    let port: Int
    let logger: Logger
    var timeout: Duration = .seconds(30)

    struct SMTPError: Error, CustomStringConvertible {
        let description: String
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
        try await channel.executeThenClose { inbound, outbound in
            var replies = SMTPReplyReader(inbound.makeAsyncIterator())
            func command(_ line: String, expect: ClosedRange<Int>) async throws {
                try await outbound.write(ByteBuffer(string: line + "\r\n"))
                let reply = try await replies.next()
                guard expect.contains(reply.code) else {
                    throw SMTPError(description: "SMTP \(line.split(separator: " ").first ?? "") answered \(reply.code) \(reply.text)")
                }
            }
            let greeting = try await replies.next()
            guard greeting.code == 220 else { throw SMTPError(description: "SMTP greeting \(greeting.code) \(greeting.text)") }
            try await command("EHLO gatehouse.local", expect: 250...250)
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

    mutating func next() async throws -> (code: Int, text: String) {
        var text: [String] = []
        while true {
            let line = try await nextLine()
            guard line.count >= 3, let code = Int(line.prefix(3)) else {
                throw SMTPMailTransport.SMTPError(description: "malformed SMTP reply")
            }
            text.append(String(line.dropFirst(4)))
            if line.count == 3 || line[line.index(line.startIndex, offsetBy: 3)] != "-" {
                return (code, text.joined(separator: " "))
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
