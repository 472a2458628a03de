import NIOCore

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
