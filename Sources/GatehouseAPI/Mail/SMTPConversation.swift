import Foundation
import NIOCore

/// One SMTP session's command-and-reply exchange over an open channel.
struct SMTPConversation {
    let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    var replies: SMTPReplyReader

    /// Sends `line` and reads the reply; a code outside `expect` throws. Errors name the
    /// command by `shownAs` when given (a line carrying a credential never reaches a log),
    /// else by its first word.
    @discardableResult
    mutating func command(_ line: String, expect: ClosedRange<Int>, shownAs label: String? = nil) async throws -> (code: Int, lines: [String]) {
        try await outbound.write(ByteBuffer(string: line + "\r\n"))
        let reply = try await replies.next()
        guard expect.contains(reply.code) else {
            let name = label ?? line.split(separator: " ").first.map(String.init) ?? ""
            throw SMTPMailTransport.SMTPError(description: "SMTP \(name) answered \(reply.code) \(reply.lines.joined(separator: " "))")
        }
        return reply
    }

    /// EHLO; returns the extensions the server announces.
    mutating func hello() async throws -> SMTPExtensions {
        SMTPExtensions(ehloReply: try await command("EHLO gatehouse.local", expect: 250...250).lines)
    }

    /// SMTP AUTH (RFC 4954) with PLAIN (RFC 4616) when the server offers it, else LOGIN.
    /// The caller makes sure the connection is encrypted.
    mutating func authenticate(_ credentials: SMTPCredentials, extensions: SMTPExtensions) async throws {
        let mechanisms = extensions.parameters(of: "AUTH").map { $0.uppercased() }
        func base64(_ text: String) -> String { Data(text.utf8).base64EncodedString() }
        if mechanisms.contains("PLAIN") {
            let response = base64("\u{0}\(credentials.username)\u{0}\(credentials.password)")
            try await command("AUTH PLAIN \(response)", expect: 235...235, shownAs: "AUTH PLAIN")
        } else if mechanisms.contains("LOGIN") {
            try await command("AUTH LOGIN", expect: 334...334)
            try await command(base64(credentials.username), expect: 334...334, shownAs: "AUTH LOGIN (user)")
            try await command(base64(credentials.password), expect: 235...235, shownAs: "AUTH LOGIN (password)")
        } else {
            let offered = mechanisms.isEmpty ? "no AUTH at all" : "AUTH " + mechanisms.joined(separator: " ")
            throw SMTPMailTransport.SMTPError(
                description: "SMTP server offers \(offered); Gatehouse authenticates with PLAIN or LOGIN")
        }
    }
}
