import Foundation

/// The parsed `MAIL_TRANSPORT`: `log`, `file:DIR`, `smtp://[user:password@]host[:port]` or
/// `smtps://[user:password@]host[:port]`, with `SMTP_TLS` for the SMTP ones.
public enum MailTransportKind: Sendable, Equatable {
    case log
    case file(directory: String)
    case smtp(SMTPServer)

    public struct Invalid: Error, CustomStringConvertible {
        public let description: String
    }

    /// - Parameter smtpTLS: `SMTP_TLS`; nil takes the scheme's default: `require` (STARTTLS)
    ///   for `smtp://`, `implicit` for `smtps://`. The port defaults to 465 for implicit TLS,
    ///   else 25. User and password in the URL are percent-decoded (`p%40ss` is `p@ss`).
    public init(_ text: String, smtpTLS: SMTPSecurity? = nil) throws {
        if text == "log" {
            self = .log
        } else if text.hasPrefix("file:"), text.count > 5 {
            self = .file(directory: String(text.dropFirst(5)))
        } else if text.hasPrefix("smtp://") || text.hasPrefix("smtps://") {
            self = .smtp(try Self.smtpServer(text, smtpTLS: smtpTLS))
        } else {
            throw Invalid(description: "MAIL_TRANSPORT must be log, file:DIR, smtp://[user:password@]host[:port] or smtps://[user:password@]host[:port]")
        }
    }

    private static func smtpServer(_ text: String, smtpTLS: SMTPSecurity?) throws -> SMTPServer {
        guard let url = URLComponents(string: text), let host = url.host, !host.isEmpty else {
            throw Invalid(description: "MAIL_TRANSPORT: no host in the SMTP URL (percent-encode @, : and / in the user and password)")
        }
        let security: SMTPSecurity
        if url.scheme == "smtps" {
            guard smtpTLS == nil || smtpTLS == .implicit else {
                throw Invalid(description: "MAIL_TRANSPORT smtps:// is implicit TLS: SMTP_TLS must be unset or implicit")
            }
            security = .implicit
        } else {
            security = smtpTLS ?? .require
        }
        var credentials: SMTPCredentials?
        if url.user != nil || url.password != nil {
            guard let user = url.user, !user.isEmpty, let password = url.password, !password.isEmpty else {
                throw Invalid(description: "MAIL_TRANSPORT: SMTP AUTH needs both a user and a password in the URL")
            }
            credentials = SMTPCredentials(username: user, password: password)
        }
        return SMTPServer(host: host, port: url.port ?? (security == .implicit ? 465 : 25),
                          security: security, credentials: credentials)
    }
}
