/// Platform-wide key and session totals (`GET /admin/usage`).
public struct ManagedKeyTotals: Sendable, Equatable {
    public var totalKeys: Int
    public var activeKeys: Int
    public var trialKeys: Int
    public var adminKeys: Int
    /// Live (not deleted) sessions across all tenants.
    public var totalSessions: Int
    public var totalMessagesSent: Int
    public var standardKeys: Int
    public var premiumKeys: Int

    public init(totalKeys: Int, activeKeys: Int, trialKeys: Int, adminKeys: Int, totalSessions: Int,
                totalMessagesSent: Int, standardKeys: Int, premiumKeys: Int) {
        self.totalKeys = totalKeys
        self.activeKeys = activeKeys
        self.trialKeys = trialKeys
        self.adminKeys = adminKeys
        self.totalSessions = totalSessions
        self.totalMessagesSent = totalMessagesSent
        self.standardKeys = standardKeys
        self.premiumKeys = premiumKeys
    }
}
