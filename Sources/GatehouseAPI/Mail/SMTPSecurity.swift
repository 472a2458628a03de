/// How the SMTP transport protects a connection (`SMTP_TLS`).
public enum SMTPSecurity: String, Sendable, Equatable, CaseIterable {
    /// STARTTLS or nothing: a server that does not offer it (or a man in the middle who strips
    /// the offer) gets no mail; the mail stays queued and the failure is logged. The default
    /// for `smtp://`.
    case require
    /// STARTTLS when the server offers it, else plain text with a warning in the log (and
    /// never SMTP AUTH). Only for a relay on a network you trust.
    case starttlsIfOffered = "starttls-if-offered"
    /// TLS from the first byte (RFC 8314, usually port 465). The default for `smtps://`.
    case implicit

    public struct Invalid: Error, CustomStringConvertible {
        public let description: String
    }

    /// Parses `require`, `starttls-if-offered` or `implicit`.
    public init(parsing text: String) throws {
        guard let value = SMTPSecurity(rawValue: text.lowercased()) else {
            throw Invalid(description: "SMTP_TLS must be one of \(Self.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        self = value
    }
}
