import Foundation
import Logging

/// The transport `MAIL_TRANSPORT` names.
func makeMailTransport(_ text: String, logger: Logger) throws -> any MailTransport {
    switch try MailTransportKind(text) {
    case .log: return LogMailTransport(logger: logger)
    case .file(let directory): return FileMailTransport(directory: directory)
    case .smtp(let host, let port): return SMTPMailTransport(host: host, port: port, logger: logger)
    }
}
