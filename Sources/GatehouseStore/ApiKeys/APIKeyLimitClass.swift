/// An extra rate-limit class applied on the hot path on top of a key's general per-minute limit.
public enum APIKeyLimitClass: String, Sendable, CaseIterable {
    /// `rate_limit_messages` per sliding minute (columns `msg_*`), for sending messages.
    case messages
    /// `rate_limit_sessions` per sliding hour (columns `ses_*`), for creating sessions.
    case sessions
}
