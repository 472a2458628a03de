import Foundation
import GatehouseCore

/// An audit event as stored (what the audit lists show).
public struct AuditEventRecord: Sendable, Equatable {
    public var id: UUID
    /// nil for platform events (master keys), which only operators see.
    public var tenantID: UUID?
    public var actorType: String
    public var actorID: UUID?
    public var action: String
    public var targetType: String?
    public var targetID: String?
    public var ip: String?
    public var userAgent: String?
    public var requestID: String?
    /// The `changes` object as JSON text.
    public var changesJSON: String
    public var createdAt: Date
}
