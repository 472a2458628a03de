import Foundation

/// The body of `GET /audit-events` and `GET /admin/audit-events` (openapi.yaml `AuditEventList`,
/// mapped here by the generator's type override). Written by hand so that every field of the
/// contract is present, with `null` when empty (`next_cursor: null` on the last page), which
/// generated types leave out.
public struct AuditEventListBody: Codable, Hashable, Sendable {
    public struct Item: Codable, Hashable, Sendable {
        public var id: String
        public var tenantID: String?
        public var actorType: String
        public var actorID: String?
        public var action: String
        public var targetType: String?
        public var targetID: String?
        public var ip: String?
        public var userAgent: String?
        public var requestID: String?
        public var changes: JSONValue
        public var createdAt: Date

        public init(id: String, tenantID: String?, actorType: String, actorID: String?, action: String, targetType: String?,
                    targetID: String?, ip: String?, userAgent: String?, requestID: String?, changes: JSONValue, createdAt: Date) {
            self.id = id
            self.tenantID = tenantID
            self.actorType = actorType
            self.actorID = actorID
            self.action = action
            self.targetType = targetType
            self.targetID = targetID
            self.ip = ip
            self.userAgent = userAgent
            self.requestID = requestID
            self.changes = changes
            self.createdAt = createdAt
        }

        private enum CodingKeys: String, CodingKey {
            case id, action, ip, changes
            case tenantID = "tenant_id"
            case actorType = "actor_type"
            case actorID = "actor_id"
            case targetType = "target_type"
            case targetID = "target_id"
            case userAgent = "user_agent"
            case requestID = "request_id"
            case createdAt = "created_at"
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            // `encode` of an optional writes `null`, where synthesized code would leave the key out.
            try container.encode(id, forKey: .id)
            try container.encode(tenantID, forKey: .tenantID)
            try container.encode(actorType, forKey: .actorType)
            try container.encode(actorID, forKey: .actorID)
            try container.encode(action, forKey: .action)
            try container.encode(targetType, forKey: .targetType)
            try container.encode(targetID, forKey: .targetID)
            try container.encode(ip, forKey: .ip)
            try container.encode(userAgent, forKey: .userAgent)
            try container.encode(requestID, forKey: .requestID)
            try container.encode(changes, forKey: .changes)
            try container.encode(createdAt, forKey: .createdAt)
        }
    }

    public var items: [Item]
    public var nextCursor: String?

    public init(items: [Item], nextCursor: String?) {
        self.items = items
        self.nextCursor = nextCursor
    }

    private enum CodingKeys: String, CodingKey {
        case items
        case nextCursor = "next_cursor"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(items, forKey: .items)
        try container.encode(nextCursor, forKey: .nextCursor)
    }
}
