import Foundation

/// The wire format of Gatehouse keys: `<prefix>_live_` or `<prefix>_admin_` followed by 64
/// lowercase hex characters (32 bytes from the system CSPRNG). `<prefix>` is `KEY_PREFIX`.
public struct KeyFormat: Sendable {
    public enum Kind: String, Sendable {
        /// A tenant's API key.
        case live
        /// An operator's master key.
        case admin
    }

    public let prefix: String
    /// Characters shown in listings as `key_prefix`.
    public static let displayLength = 12

    public init(prefix: String = "gk") {
        self.prefix = prefix
    }

    /// A fresh random key of `kind`.
    public func generate(_ kind: Kind) -> String {
        // SystemRandomNumberGenerator reads the kernel CSPRNG (getrandom) on Linux.
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return "\(prefix)_\(kind.rawValue)_" + bytes.map { String(format: "%02x", $0) }.joined()
    }

    /// Which kind of key `raw` looks like, or nil when it is not a well-formed key at all.
    public func kind(of raw: String) -> Kind? {
        for kind in [Kind.live, .admin] {
            let head = "\(prefix)_\(kind.rawValue)_"
            guard raw.hasPrefix(head) else { continue }
            let body = raw.dropFirst(head.count)
            guard body.count == 64, body.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) }) else {
                return nil
            }
            return kind
        }
        return nil
    }

    /// The non-secret part shown in listings.
    public static func displayPrefix(of raw: String) -> String {
        String(raw.prefix(displayLength))
    }
}
