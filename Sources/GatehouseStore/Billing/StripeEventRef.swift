/// A Stripe event being applied: recorded by id in the same transaction as its effect, so each
/// event changes state at most once.
public struct StripeEventRef: Sendable, Equatable {
    public var id: String
    public var type: String

    public init(id: String, type: String) {
        self.id = id
        self.type = type
    }
}
