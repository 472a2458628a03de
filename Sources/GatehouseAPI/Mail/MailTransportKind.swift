import Foundation

/// The parsed `MAIL_TRANSPORT`: `log`, `file:DIR` or `smtp://host:port`.
public enum MailTransportKind: Sendable, Equatable {
    case log
    case file(directory: String)
    case smtp(host: String, port: Int)

    public struct Invalid: Error {}

    public init(_ text: String) throws {
        if text == "log" {
            self = .log
        } else if text.hasPrefix("file:"), text.count > 5 {
            self = .file(directory: String(text.dropFirst(5)))
        } else if text.hasPrefix("smtp://"), let url = URLComponents(string: text), let host = url.host, !host.isEmpty {
            self = .smtp(host: host, port: url.port ?? 25)
        } else {
            throw Invalid()
        }
    }
}
