/// Where and how the SMTP transport delivers: `smtp://[user:password@]host[:port]` or
/// `smtps://…` from `MAIL_TRANSPORT`, with `SMTP_TLS`.
public struct SMTPServer: Sendable, Equatable {
    public var host: String
    public var port: Int
    public var security: SMTPSecurity
    /// SMTP AUTH (PLAIN or LOGIN, whichever the server offers, over TLS only); nil: no AUTH.
    public var credentials: SMTPCredentials?

    public init(host: String, port: Int, security: SMTPSecurity, credentials: SMTPCredentials? = nil) {
        self.host = host
        self.port = port
        self.security = security
        self.credentials = credentials
    }
}
