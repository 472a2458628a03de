import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting

/// A minimal browser for console tests: keeps the cookies the server sets, sends them back,
/// submits forms with their CSRF token, and does not follow redirects (tests look at them).
struct ConsoleBrowser {
    /// Sends one request and answers its status, headers and body.
    typealias Transport = @Sendable (HTTPRequest.Method, String, HTTPFields, ByteBuffer?) async throws
        -> (HTTPResponse.Status, HTTPFields, String)
    let transport: Transport
    var cookies: [String: String] = [:]
    /// The last page's CSRF token (every console form carries one).
    var csrf: String?
    /// Sent with every request (e.g. `X-Forwarded-For` through a trusted proxy).
    var extraHeaders: HTTPFields = [:]

    init(_ client: any TestClientProtocol) {
        transport = { method, uri, headers, body in
            try await client.execute(uri: uri, method: method, headers: headers, body: body) { response in
                (response.status, response.headers, String(buffer: response.body))
            }
        }
    }

    /// A browser on a billing test server (its known port, the simulator's pages included).
    init(_ client: BillingHTTPClient) {
        transport = { method, uri, headers, body in
            let response = try await client.send(method, uri, headers: headers, body: body)
            return (HTTPResponse.Status(code: response.status), response.headers, response.text)
        }
    }

    struct Page {
        var status: HTTPResponse.Status
        var headers: HTTPFields
        var html: String
        var location: String? { headers[.location] }
        /// The `Set-Cookie` lines.
        var setCookies: [String] { headers[values: .setCookie] }
    }

    @discardableResult
    mutating func get(_ uri: String) async throws -> Page {
        try await send(.get, uri, body: nil)
    }

    /// POSTs `fields` as a form, with the CSRF token of the last page unless `csrf` is given.
    @discardableResult
    mutating func post(_ uri: String, _ fields: [(String, String)] = [], csrf: String? = nil) async throws -> Page {
        var all = fields
        if let token = csrf ?? self.csrf { all.append(("csrf", token)) }
        let body = all.map { "\(Self.encode($0.0))=\(Self.encode($0.1))" }.joined(separator: "&")
        return try await send(.post, uri, body: body)
    }

    private mutating func send(_ method: HTTPRequest.Method, _ uri: String, body: String?) async throws -> Page {
        var headers: HTTPFields = [.userAgent: "ConsoleBrowser/1.0 (tests)"]
        headers.append(contentsOf: extraHeaders)
        if !cookies.isEmpty {
            headers[.cookie] = cookies.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: "; ")
        }
        if body != nil { headers[.contentType] = "application/x-www-form-urlencoded" }
        let (status, responseHeaders, html) = try await transport(method, uri, headers, body.map { ByteBuffer(string: $0) })
        let page = Page(status: status, headers: responseHeaders, html: html)
        for line in page.setCookies {
            let pair = line.split(separator: ";", maxSplits: 1)[0].split(separator: "=", maxSplits: 1)
            let name = String(pair[0])
            let value = pair.count > 1 ? String(pair[1]) : ""
            if value.isEmpty || line.lowercased().contains("max-age=0") { cookies[name] = nil } else { cookies[name] = value }
        }
        if let match = page.html.firstMatch(of: /name="csrf" value="([^"]+)"/) { csrf = String(match.1) }
        return page
    }

    static func encode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    /// Signs in with email and password; returns the redirect.
    @discardableResult
    mutating func signIn(_ email: String, _ password: String) async throws -> Page {
        try await get("/console/sign-in")
        return try await post("/console/sign-in", [("email", email), ("password", password)])
    }
}

extension ConsoleBrowser.Page {
    /// The raw key shown once after creating or rotating a key.
    var rawKey: String? {
        html.firstMatch(of: /id="raw-key" class="mono" readonly value="([^"]+)"/).map { String($0.1) }
    }

    /// The text of the page without tags (for "the page says …" checks).
    var text: String {
        html.replacing(/<[^>]+>/, with: " ").replacing(/\s+/, with: " ")
    }
}
