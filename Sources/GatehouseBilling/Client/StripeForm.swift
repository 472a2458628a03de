/// An `application/x-www-form-urlencoded` body in Stripe's dialect: nested parameters are
/// spelled with brackets (`line_items[0][price]=…`, `metadata[tenant_id]=…`). Pairs keep their
/// order, so the same parameters always encode to the same bytes.
public struct StripeForm: Sendable, Equatable {
    public private(set) var pairs: [(key: String, value: String)] = []

    public init() {}

    public static func == (lhs: StripeForm, rhs: StripeForm) -> Bool {
        lhs.pairs.elementsEqual(rhs.pairs) { $0.key == $1.key && $0.value == $1.value }
    }

    /// Adds `key=value`; a `nil` value adds nothing.
    public mutating func add(_ key: String, _ value: String?) {
        guard let value else { return }
        pairs.append((key, value))
    }

    public mutating func add(_ key: String, _ value: Int?) {
        add(key, value.map(String.init))
    }

    public mutating func add(_ key: String, _ value: Bool?) {
        add(key, value.map { $0 ? "true" : "false" })
    }

    /// Adds `prefix[key]=value` for each entry, keys sorted.
    public mutating func add(_ prefix: String, dictionary: [String: String]) {
        for key in dictionary.keys.sorted() {
            add("\(prefix)[\(key)]", dictionary[key])
        }
    }

    /// The encoded text, e.g. `line_items%5B0%5D%5Bprice%5D=price_pro_monthly&mode=subscription`.
    public var encoded: String {
        pairs.map { Self.escape($0.key) + "=" + Self.escape($0.value) }.joined(separator: "&")
    }

    /// Percent-encodes everything but RFC 3986's unreserved characters.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
                 UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                out += "%" + String(byte >> 4, radix: 16, uppercase: true) + String(byte & 0xF, radix: 16, uppercase: true)
            }
        }
        return out
    }
}
