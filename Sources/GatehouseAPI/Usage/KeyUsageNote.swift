public import Foundation

/// One metered call as the usage log will record it (the status and duration are added when
/// the response is done): a key-authenticated call, or a signed-in user's call to a priced
/// operation.
public struct KeyUsageNote: Sendable, Equatable {
    /// nil: a signed-in user's call (JWT), metered to the tenant only.
    public var keyID: UUID?
    public var tenantID: UUID
    /// `METHOD /api/v2/route/{template}`.
    public var endpoint: String
    /// What the hot path charged (0 when the request was refused).
    public var cost: Decimal
    public var model: String?
    public var tokensIn: Int
    public var tokensOut: Int
    /// When the hot path decided (the injected clock), which also picks the usage day.
    public var at: Date

    public init(keyID: UUID?, tenantID: UUID, endpoint: String, cost: Decimal, model: String? = nil,
                tokensIn: Int = 0, tokensOut: Int = 0, at: Date) {
        self.keyID = keyID
        self.tenantID = tenantID
        self.endpoint = endpoint
        self.cost = cost
        self.model = model
        self.tokensIn = tokensIn
        self.tokensOut = tokensOut
        self.at = at
    }
}
