import Foundation

/// The caps of a self-service key: requests per minute (0 = no cap) and spend per period
/// (nil = no cap). `spendPeriod` is `day`, `week`, `month` or `forever`.
public struct KeyLimits: Sendable, Equatable {
    public var rateLimitRPM: Int
    public var spendLimit: Decimal?
    public var spendPeriod: String

    public init(rateLimitRPM: Int, spendLimit: Decimal?, spendPeriod: String) {
        self.rateLimitRPM = rateLimitRPM
        self.spendLimit = spendLimit
        self.spendPeriod = spendPeriod
    }

    /// The spend periods from shortest to longest. For the same amount a longer period allows
    /// less spending, so a cap is no looser than another when its amount is not larger and its
    /// period not shorter.
    public static let periodsByLength = ["day", "week", "month", "forever"]
}
