import Foundation

/// A session of the simulated messaging channel.
public struct MessagingSession: Sendable, Equatable {
    public var id: UUID
    public var tenantID: UUID
    /// The key that created it; nil when a user created it or the key was deleted.
    public var apiKeyID: UUID?
    public var name: String
    /// `ready`, `disconnected` or `deleted`.
    public var state: String
    public var phoneNumber: String?
    public var messagesSent: Int
    public var messagesReceived: Int
    public var createdAt: Date

    public init(id: UUID, tenantID: UUID, apiKeyID: UUID?, name: String, state: String, phoneNumber: String?,
                messagesSent: Int, messagesReceived: Int, createdAt: Date) {
        self.id = id
        self.tenantID = tenantID
        self.apiKeyID = apiKeyID
        self.name = name
        self.state = state
        self.phoneNumber = phoneNumber
        self.messagesSent = messagesSent
        self.messagesReceived = messagesReceived
        self.createdAt = createdAt
    }
}
