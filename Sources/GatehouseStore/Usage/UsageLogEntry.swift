import Foundation

/// One finished key-authenticated call, as stored in `usage_log` and rolled up in `usage_daily`.
public struct UsageLogEntry: Sendable, Equatable, Codable {
    public var tenantID: UUID
    public var keyID: UUID
    public var endpoint: String
    public var statusCode: Int
    public var cost: Decimal
    public var tokensIn: Int
    public var tokensOut: Int
    public var model: String?
    public var durationMilliseconds: Int
    public var createdAt: Date

    public init(tenantID: UUID, keyID: UUID, endpoint: String, statusCode: Int, cost: Decimal, tokensIn: Int,
                tokensOut: Int, model: String?, durationMilliseconds: Int, createdAt: Date) {
        self.tenantID = tenantID
        self.keyID = keyID
        self.endpoint = endpoint
        self.statusCode = statusCode
        self.cost = cost
        self.tokensIn = tokensIn
        self.tokensOut = tokensOut
        self.model = model
        self.durationMilliseconds = durationMilliseconds
        self.createdAt = createdAt
    }

    /// The entry as JSON text, for the dead-letter table. JSON escapes control characters, so
    /// even a NUL the database refused is kept (as `\u0000`).
    public var jsonText: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        return (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}
