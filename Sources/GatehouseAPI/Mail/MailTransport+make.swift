import Foundation
import Logging

/// The transport `MAIL_TRANSPORT` names, with `SMTP_TLS` (`smtpTLS`, nil: the scheme's default)
/// for SMTP; `smtpCAFile` (`SMTP_CA_FILE`) is the PEM file of CA certificates an SMTP server's
/// certificate must chain to (nil: the system's).
func makeMailTransport(_ text: String, smtpTLS: SMTPSecurity? = nil, smtpCAFile: String? = nil,
                       logger: Logger) throws -> any MailTransport {
    switch try MailTransportKind(text, smtpTLS: smtpTLS) {
    case .log: return LogMailTransport(logger: logger)
    case .file(let directory): return FileMailTransport(directory: directory)
    case .smtp(let server): return try SMTPMailTransport(server: server, caFile: smtpCAFile, logger: logger)
    }
}
