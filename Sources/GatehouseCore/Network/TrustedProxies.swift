import Foundation

/// Who the client is when the server sits behind load balancers or reverse proxies
/// (`TRUSTED_PROXIES`). A request whose socket peer is a trusted proxy takes its client from
/// `X-Forwarded-For`, read from the right: each trusted hop is skipped, and the first hop that
/// is not trusted is the client (the hops left of it were written by the client itself and
/// prove nothing). A peer that is not trusted is the client, whatever it sends.
public struct TrustedProxies: Sendable {
    public let networks: [IPNetwork]

    public init(_ networks: [IPNetwork]) {
        self.networks = networks
    }

    /// Parses `10.0.0.0/8, 192.168.0.0/16, ::1` (commas or spaces); nil names the bad entry.
    public static func parse(_ text: String) -> Result<TrustedProxies, ParseError> {
        var networks: [IPNetwork] = []
        for entry in text.split(whereSeparator: { $0 == "," || $0 == " " }) where !entry.isEmpty {
            guard let network = IPNetwork(entry) else { return .failure(ParseError(entry: String(entry))) }
            networks.append(network)
        }
        return .success(TrustedProxies(networks))
    }

    public struct ParseError: Error, CustomStringConvertible {
        public let entry: String
        public var description: String { "'\(entry)' is not an IP address or CIDR block" }
    }

    public func trusts(_ address: IPAddress) -> Bool {
        networks.contains { $0.contains(address) }
    }

    /// The client's address: `peer` itself unless it is a trusted proxy; then the right-most
    /// untrusted hop of `forwardedFor` (the `X-Forwarded-For` values in order). When every hop
    /// is trusted, the left-most; an unreadable hop ends the walk at the hop to its right.
    public func client(peer: IPAddress, forwardedFor: [String]) -> IPAddress {
        guard trusts(peer) else { return peer }
        let hops = forwardedFor.flatMap { $0.split(separator: ",") }
        var client = peer
        for hop in hops.reversed() {
            guard let address = IPAddress(hop) else { break }
            client = address
            if !trusts(address) { break }
        }
        return client
    }
}
