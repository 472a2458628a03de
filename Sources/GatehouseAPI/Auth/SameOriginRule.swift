import Foundation

/// Whether a browser form POST came from one of our own pages (the magic-link landing page),
/// by the headers browsers set and pages cannot forge: `Sec-Fetch-Site` must be `same-origin`
/// and `Origin` must be the origin of `PUBLIC_URL`. A request with neither header is not from
/// a browser that could be tricked, and passes.
struct SameOriginRule: Sendable {
    /// `scheme://host[:port]` of `PUBLIC_URL`, lowercased.
    let origin: String

    init(publicURL: String) {
        origin = Self.origin(of: publicURL) ?? publicURL.lowercased()
    }

    func allows(origin sent: String?, fetchSite: String?) -> Bool {
        if let fetchSite, fetchSite.lowercased() != "same-origin" { return false }
        if let sent, Self.origin(of: sent) != origin { return false }
        return true
    }

    /// `scheme://host[:port]` (the port only when not the scheme's default), or nil (`null`, garbage).
    static func origin(of text: String) -> String? {
        guard let url = URLComponents(string: text.trimmingCharacters(in: .whitespaces)),
              let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
              let host = url.host?.lowercased(), !host.isEmpty else { return nil }
        let defaultPort = scheme == "https" ? 443 : 80
        guard let port = url.port, port != defaultPort else { return "\(scheme)://\(host)" }
        return "\(scheme)://\(host):\(port)"
    }
}
