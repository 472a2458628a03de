import Foundation

/// A Stripe test clock (`object: "test_helpers.test_clock"`): simulated time for the customers
/// attached to it (test mode, and the simulator).
public struct StripeTestClock: Decodable, Sendable {
    public var id: String
    public var name: String?
    /// Unix seconds: the clock's current time.
    public var frozenTime: Int64
    /// `ready`, `advancing` or `internal_failure`.
    public var status: String

    public var frozenDate: Date { Date(timeIntervalSince1970: TimeInterval(frozenTime)) }

    enum CodingKeys: String, CodingKey {
        case id, name, status
        case frozenTime = "frozen_time"
    }
}
