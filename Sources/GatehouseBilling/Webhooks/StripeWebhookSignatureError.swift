/// Why a `Stripe-Signature` header was refused.
public enum StripeWebhookSignatureError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No header, or an empty one.
    case missingHeader
    /// No integer `t=` in the header.
    case malformedHeader
    /// No `v1=` in the header.
    case noSignature
    /// No `v1` matches the body and secret (tampered body, wrong secret).
    case signatureMismatch
    /// The signature is valid but its time is outside the tolerance (a replay, or a clock off).
    case staleTimestamp

    public var description: String {
        switch self {
        case .missingHeader: "the Stripe-Signature header is missing"
        case .malformedHeader: "the Stripe-Signature header has no timestamp"
        case .noSignature: "the Stripe-Signature header has no v1 signature"
        case .signatureMismatch: "no v1 signature matches the payload"
        case .staleTimestamp: "the Stripe-Signature timestamp is outside the tolerance"
        }
    }
}
