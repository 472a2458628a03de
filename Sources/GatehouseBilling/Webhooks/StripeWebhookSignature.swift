import Crypto
import Foundation

/// Stripe's webhook signature: `Stripe-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>`, the
/// HMAC keyed with the endpoint secret (the whole `whsec_…` text) over `"<t>.<raw body>"`.
/// Several `v1` values may be present (while a secret is rolled); one matching is enough.
public enum StripeWebhookSignature {
    /// Stripe's default tolerance between the signature's time and now.
    public static let defaultTolerance: TimeInterval = 300

    /// The header value for `payload` signed at `timestamp`.
    public static func sign(payload: [UInt8], secret: String, timestamp: Date) -> String {
        let seconds = Int64(timestamp.timeIntervalSince1970.rounded(.down))
        return "t=\(seconds),v1=\(hex(mac(payload: payload, secret: secret, timestamp: seconds)))"
    }

    /// Checks `header` against `payload` and `secret`. Throws `missingHeader` (no or empty
    /// header), `malformedHeader` (no integer `t`), `noSignature` (no `v1`), `signatureMismatch`
    /// (no `v1` matches: tampered body or wrong secret) or `staleTimestamp` (signed more than
    /// `tolerance` seconds away from `now`). Comparison is in constant time.
    public static func verify(
        payload: [UInt8], header: String?, secret: String,
        tolerance: TimeInterval = defaultTolerance, now: Date = Date()
    ) throws(StripeWebhookSignatureError) {
        guard let header, !header.trimmingCharacters(in: .whitespaces).isEmpty else { throw .missingHeader }
        var timestamp: Int64?
        var signatures: [[UInt8]] = []
        for part in header.split(separator: ",") {
            guard let equals = part.firstIndex(of: "=") else { continue }
            let key = part[..<equals].trimmingCharacters(in: .whitespaces)
            let value = part[part.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            switch key {
            case "t": timestamp = Int64(value)
            // A v1 that is not hex cannot match; it still counts as present.
            case "v1": signatures.append(unhex(value) ?? [])
            default: continue
            }
        }
        guard let timestamp else { throw .malformedHeader }
        guard !signatures.isEmpty else { throw .noSignature }
        let key = SymmetricKey(data: Array(secret.utf8))
        let signed = signedPayload(payload, timestamp: timestamp)
        // Every candidate is checked (no early exit), each in constant time.
        var matched = false
        for signature in signatures {
            if HMAC<SHA256>.isValidAuthenticationCode(signature, authenticating: signed, using: key) { matched = true }
        }
        guard matched else { throw .signatureMismatch }
        guard abs(now.timeIntervalSince1970 - TimeInterval(timestamp)) <= tolerance else { throw .staleTimestamp }
    }

    static func mac(payload: [UInt8], secret: String, timestamp: Int64) -> [UInt8] {
        let key = SymmetricKey(data: Array(secret.utf8))
        return Array(HMAC<SHA256>.authenticationCode(for: signedPayload(payload, timestamp: timestamp), using: key))
    }

    private static func signedPayload(_ payload: [UInt8], timestamp: Int64) -> [UInt8] {
        Array("\(timestamp).".utf8) + payload
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func unhex(_ text: String) -> [UInt8]? {
        let chars = Array(text.utf8)
        guard chars.count % 2 == 0 else { return nil }
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
            default: nil
            }
        }
        var out: [UInt8] = []
        out.reserveCapacity(chars.count / 2)
        var index = 0
        while index < chars.count {
            guard let high = nibble(chars[index]), let low = nibble(chars[index + 1]) else { return nil }
            out.append(high << 4 | low)
            index += 2
        }
        return out
    }
}
