import Foundation

/// What an audit list is narrowed to (nil = any).
public struct AuditEventFilter: Sendable, Equatable {
    public var action: String?
    public var actorID: UUID?
    /// Events at or after this time.
    public var since: Date?

    public init(action: String? = nil, actorID: UUID? = nil, since: Date? = nil) {
        self.action = action
        self.actorID = actorID
        self.since = since
    }
}
