import Foundation

/// One mail ready for a transport, with its RFC 5322 rendering.
struct MailMessage: Sendable {
    var id: UUID
    var from: String
    var to: String
    var subject: String
    var bodyText: String
    var date: Date

    /// The bare address in `from` (`Name <a@b>` → `a@b`).
    var fromAddress: String {
        if let open = from.lastIndex(of: "<"), let close = from.lastIndex(of: ">"), open < close {
            return String(from[from.index(after: open)..<close])
        }
        return from
    }

    /// RFC 5322 text with CRLF line endings; header values are stripped of line breaks so a
    /// recipient or subject cannot inject headers.
    var rfc5322: String {
        func clean(_ value: String) -> String {
            value.replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
        }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        let body = bodyText.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\n", with: "\r\n")
        return [
            "From: \(clean(from))",
            "To: \(clean(to))",
            "Subject: \(clean(subject))",
            "Date: \(formatter.string(from: date))",
            "Message-ID: <\(id.uuidString.lowercased())@gatehouse>",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: 8bit",
            "",
            body,
        ].joined(separator: "\r\n") + "\r\n"
    }
}
