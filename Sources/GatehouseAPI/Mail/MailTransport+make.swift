import Foundation
import Logging

/// The transport `MAIL_TRANSPORT` names; `smtpCAFile` (`SMTP_CA_FILE`) is the PEM file of CA
/// certificates an SMTP server's certificate must chain to after STARTTLS (nil: the system's).
func makeMailTransport(_ text: String, smtpCAFile: String? = nil, logger: Logger) throws -> any MailTransport {
    switch try MailTransportKind(text) {
    case .log: return LogMailTransport(logger: logger)
    case .file(let directory): return FileMailTransport(directory: directory)
    case .smtp(let host, let port): return try SMTPMailTransport(host: host, port: port, caFile: smtpCAFile, logger: logger)
    }
}
