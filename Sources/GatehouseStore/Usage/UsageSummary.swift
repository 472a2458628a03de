import Foundation

/// A key's usage from the daily rollups.
public struct UsageSummary: Sendable, Equatable {
    public struct ByEndpoint: Sendable, Equatable {
        public var endpoint: String
        public var count: Int
        public var cost: Decimal
    }

    public struct ByModel: Sendable, Equatable {
        public var model: String
        public var count: Int
        public var tokensIn: Int
        public var tokensOut: Int
        public var cost: Decimal
    }

    public struct ByDay: Sendable, Equatable {
        /// `YYYY-MM-DD` (UTC).
        public var day: String
        public var count: Int
        public var cost: Decimal
    }

    public var totalCalls: Int
    public var totalCost: Decimal
    public var totalTokensIn: Int
    public var totalTokensOut: Int
    public var byEndpoint: [ByEndpoint]
    public var byModel: [ByModel]
    public var byDay: [ByDay]
}
