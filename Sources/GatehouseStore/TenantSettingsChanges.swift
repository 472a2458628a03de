/// The settings a PATCH sets; nil leaves a setting as it is.
public struct TenantSettingsChanges: Sendable, Equatable {
    public var allowedNumbers: [String]?
    public var requireApproval: Bool?
    public var aiConsentEnabled: Bool?

    public init(allowedNumbers: [String]? = nil, requireApproval: Bool? = nil, aiConsentEnabled: Bool? = nil) {
        self.allowedNumbers = allowedNumbers
        self.requireApproval = requireApproval
        self.aiConsentEnabled = aiConsentEnabled
    }
}
