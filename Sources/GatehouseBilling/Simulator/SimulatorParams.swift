import Foundation
import Crypto

/// Request parameters in Stripe's form dialect, from a query string or a form body:
/// `metadata[plan]=pro&line_items[0][price]=price_pro_monthly&expand[]=customer` is read as
/// nested maps (`[]` appends, numbered like an array's indices).
struct SimulatorParams: Sendable {
    indirect enum Node: Sendable {
        case value(String)
        case map([String: Node])
    }

    /// Every pair as sent (decoded), in order: the request's fingerprint is taken from these.
    private(set) var pairs: [(key: String, value: String)] = []
    private(set) var root: [String: Node] = [:]

    init() {}

    /// Parses `application/x-www-form-urlencoded` text.
    init(formEncoded text: some StringProtocol) throws(SimulatorError) {
        for piece in text.split(separator: "&", omittingEmptySubsequences: true) {
            let key: String, value: String
            if let equals = piece.firstIndex(of: "=") {
                key = try Self.unescape(piece[..<equals])
                value = try Self.unescape(piece[piece.index(after: equals)...])
            } else {
                key = try Self.unescape(piece)
                value = ""
            }
            try insert(key: key, value: value)
        }
    }

    /// Merges another set in (a body's parameters after the query string's).
    mutating func merge(_ other: SimulatorParams) throws(SimulatorError) {
        for pair in other.pairs { try insert(key: pair.key, value: pair.value) }
    }

    private mutating func insert(key: String, value: String) throws(SimulatorError) {
        let path = try Self.path(of: key)
        pairs.append((key, value))
        root = try Self.insert(value, at: path[...], into: root, key: key)
    }

    private static func insert(_ value: String, at path: ArraySlice<String>, into map: [String: Node], key: String)
        throws(SimulatorError) -> [String: Node]
    {
        var map = map
        var segment = path.first!
        if segment.isEmpty { segment = String(map.count) }
        if path.count == 1 {
            map[segment] = .value(value)
            return map
        }
        let child: [String: Node]
        switch map[segment] {
        case nil: child = [:]
        case .map(let existing): child = existing
        case .value: throw SimulatorError.invalidRequest("Invalid parameter '\(key)': it is both a value and a hash.", param: key)
        }
        map[segment] = .map(try insert(value, at: path.dropFirst(), into: child, key: key))
        return map
    }

    /// `a[b][c]` → `["a", "b", "c"]`; `a[]` → `["a", ""]`.
    private static func path(of key: String) throws(SimulatorError) -> [String] {
        guard let open = key.firstIndex(of: "[") else { return [key] }
        var path = [String(key[..<open])]
        var rest = key[open...]
        while !rest.isEmpty {
            guard rest.first == "[", let close = rest.firstIndex(of: "]") else {
                throw SimulatorError.invalidRequest("Invalid parameter name '\(key)'.", param: key)
            }
            path.append(String(rest[rest.index(after: rest.startIndex)..<close]))
            rest = rest[rest.index(after: close)...]
        }
        guard !path[0].isEmpty else { throw SimulatorError.invalidRequest("Invalid parameter name '\(key)'.", param: key) }
        return path
    }

    private static func unescape(_ text: some StringProtocol) throws(SimulatorError) -> String {
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8).makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "+"): bytes.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                guard let high = iterator.next(), let low = iterator.next(),
                      let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16) else {
                    throw SimulatorError.invalidRequest("The request's parameters are not valid form encoding.")
                }
                bytes.append(value)
            default: bytes.append(byte)
            }
        }
        guard let string = String(validating: bytes, as: UTF8.self) else {
            throw SimulatorError.invalidRequest("The request's parameters are not valid UTF-8.")
        }
        return string
    }

    // MARK: Reading

    func node(_ path: [String]) -> Node? {
        var current: Node = .map(root)
        for segment in path {
            guard case .map(let map) = current, let next = map[segment] else { return nil }
            current = next
        }
        return current
    }

    /// The string at `path` (`string("line_items", "0", "price")`); nil when absent.
    func string(_ path: String...) throws(SimulatorError) -> String? {
        switch node(path) {
        case nil: return nil
        case .value(let value): return value
        case .map: throw SimulatorError.invalidRequest("Invalid \(Self.name(path)): must be a string.", param: Self.name(path))
        }
    }

    /// A required string.
    func required(_ path: String...) throws(SimulatorError) -> String {
        guard case .value(let value)? = node(path), !value.isEmpty else {
            throw SimulatorError.invalidRequest("Missing required param: \(Self.name(path)).", param: Self.name(path))
        }
        return value
    }

    func int(_ path: String...) throws(SimulatorError) -> Int64? {
        guard case .value(let text)? = node(path) else { return nil }
        guard let value = Int64(text) else {
            throw SimulatorError.invalidRequest("Invalid integer: \(text)", param: Self.name(path))
        }
        return value
    }

    func bool(_ path: String...) throws(SimulatorError) -> Bool? {
        guard case .value(let text)? = node(path) else { return nil }
        switch text {
        case "true": return true
        case "false": return false
        default: throw SimulatorError.invalidRequest("Invalid boolean: \(text)", param: Self.name(path))
        }
    }

    /// `metadata[…]`-style string maps; nil when absent. An empty `metadata=` clears (empty map).
    func dictionary(_ path: String...) throws(SimulatorError) -> [String: String]? {
        switch node(path) {
        case nil: return nil
        case .value(let value) where value.isEmpty: return [:]
        case .value: throw SimulatorError.invalidRequest("Invalid \(Self.name(path)): must be a hash.", param: Self.name(path))
        case .map(let map):
            var out: [String: String] = [:]
            for (key, node) in map {
                guard case .value(let value) = node else {
                    throw SimulatorError.invalidRequest("Invalid \(Self.name(path))[\(key)]: must be a string.", param: Self.name(path))
                }
                out[key] = value
            }
            return out
        }
    }

    /// A list's values (`types[]=a&types[]=b`); empty when absent.
    func list(_ path: String...) -> [String] {
        guard case .map(let map)? = node(path) else {
            if case .value(let value)? = node(path) { return [value] }
            return []
        }
        return map.keys.sorted { (Int($0) ?? .max, $0) < (Int($1) ?? .max, $1) }.compactMap {
            if case .value(let value) = map[$0]! { value } else { nil }
        }
    }

    /// A stable digest of the parameters (order-independent), for Idempotency-Key checks.
    var fingerprint: String {
        let canonical = pairs.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: "&")
        return SHA256.hash(data: Array(canonical.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    private static func name(_ path: [String]) -> String {
        path.first! + path.dropFirst().map { "[\($0)]" }.joined()
    }
}
