/// Stripe's test card numbers, as the simulator's pages understand them.
enum TestCard: Equatable {
    /// 4242 4242 4242 4242: every charge succeeds.
    case succeeds
    /// 4000 0000 0000 0341: attaching succeeds, every charge is declined.
    case attachesThenDeclines
    /// 4000 0000 0000 0002 (generic decline) or 4000 0000 0000 9995 (insufficient funds).
    case declined(code: String)
    /// Anything else: not a number the simulator knows.
    case incorrectNumber

    init(number: String) {
        let digits = number.filter { !$0.isWhitespace && $0 != "-" }
        switch digits {
        case "4242424242424242", "5555555555554444": self = .succeeds
        case "4000000000000341": self = .attachesThenDeclines
        case "4000000000000002": self = .declined(code: "generic_decline")
        case "4000000000009995": self = .declined(code: "insufficient_funds")
        default: self = .incorrectNumber
        }
    }

    /// The last four digits of a number.
    static func last4(_ number: String) -> String {
        String(number.filter(\.isNumber).suffix(4))
    }

    /// What a person sees when this card cannot be used for a payment now.
    var paymentError: String? {
        switch self {
        case .succeeds: nil
        case .attachesThenDeclines, .declined(code: "generic_decline"): "Your card was declined."
        case .declined: "Your card has insufficient funds."
        case .incorrectNumber: "Your card number is incorrect. Use a Stripe test card such as 4242 4242 4242 4242."
        }
    }
}
