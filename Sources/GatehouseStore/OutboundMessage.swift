import Foundation
import GatehouseCore

/// A message sent (or queued for approval) through a session.
public struct OutboundMessage: Sendable, Equatable {
    public var id: UUID
    public var sessionID: UUID
    public var to: String
    /// `sent` or `pending_approval`.
    public var status: String
    public var cost: Money
    public var createdAt: Date

    public init(id: UUID, sessionID: UUID, to: String, status: String, cost: Money, createdAt: Date) {
        self.id = id
        self.sessionID = sessionID
        self.to = to
        self.status = status
        self.cost = cost
        self.createdAt = createdAt
    }
}
