/// A tenant's messaging and AI settings.
public struct TenantSettings: Sendable, Equatable {
    /// When non-empty, messages may go only to these numbers.
    public var allowedNumbers: [String]
    /// Outbound messages wait as `pending_approval` until an owner/admin approves them.
    public var requireApproval: Bool
    public var aiConsentEnabled: Bool

    public init(allowedNumbers: [String] = [], requireApproval: Bool = false, aiConsentEnabled: Bool = false) {
        self.allowedNumbers = allowedNumbers
        self.requireApproval = requireApproval
        self.aiConsentEnabled = aiConsentEnabled
    }
}
