import Foundation

/// A mail to queue in the outbox (sent later by the mail worker).
public struct OutgoingMail: Sendable, Equatable {
    public var to: String
    public var subject: String
    public var bodyText: String

    public init(to: String, subject: String, bodyText: String) {
        self.to = to
        self.subject = subject
        self.bodyText = bodyText
    }
}
