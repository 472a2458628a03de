import Foundation
import Postgres

/// A mail claimed from the outbox by the worker.
public struct ClaimedMail: Sendable, Equatable {
    public var id: UUID
    public var tenantID: UUID
    public var to: String
    public var subject: String
    public var bodyText: String
    /// How many times it has been claimed, this time included.
    public var attempts: Int
}
