import Foundation

/// One entry of the append-only audit log: who (`actor`) did what (`action`, e.g.
/// `api_key.create`) to which object (`targetType`/`targetID`), and a small JSON object of what
/// changed. Never put a secret (raw key, hash, password, token) in `changes`.
public struct AuditEvent: Sendable, Equatable {
    public var actor: AuditActor
    public var action: String
    public var targetType: String?
    public var targetID: String?
    public var changes: [String: AuditValue]

    public init(actor: AuditActor, action: String, targetType: String? = nil, targetID: String? = nil,
                changes: [String: AuditValue] = [:]) {
        self.actor = actor
        self.action = action
        self.targetType = targetType
        self.targetID = targetID
        self.changes = changes
    }

    /// The same event about `type`/`id` (for changes whose target exists only once written).
    public func on(_ type: String, _ id: UUID) -> AuditEvent {
        var event = self
        event.targetType = type
        event.targetID = id.uuidString.lowercased()
        return event
    }

    /// `changes` as a JSON object with sorted keys.
    public var changesJSON: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding [String: AuditValue] cannot fail: every case is a plain JSON value.
        return (try? String(decoding: encoder.encode(changes), as: UTF8.self)) ?? "{}"
    }
}
