/// The user and password for SMTP AUTH, taken from `MAIL_TRANSPORT`'s URL (percent-decoded).
/// Sent only over TLS. Its description never shows the password.
public struct SMTPCredentials: Sendable, Equatable, CustomStringConvertible {
    public var username: String
    public var password: String

    public init(username: String, password: String) {
        self.username = username
        self.password = password
    }

    public var description: String { "SMTPCredentials(username: \(username), password: <redacted>)" }
}
