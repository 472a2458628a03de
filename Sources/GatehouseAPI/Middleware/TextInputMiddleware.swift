import Foundation
import GatehouseCore
import HTTPTypes
import OpenAPIRuntime

/// One rule for every text input of every operation: a path parameter, query parameter, JSON
/// member name or string value, or form field holding U+0000 (NUL) is refused with 422
/// `validation_failed` naming the field, before any handler sees it. PostgreSQL `text` cannot
/// store NUL and libpq passes values as C strings, so such a value could only ever be cut
/// short or fail in the database (the Postgres layer refuses it too, as a backstop).
struct TextInputMiddleware: ServerMiddleware {
    /// The largest body read when its length is not announced (BodyLimitMiddleware has capped it).
    var maxBytes = 1 << 20
    static let message = "must not contain the NUL character (U+0000)"

    func intercept(
        _ request: HTTPRequest,
        body: HTTPBody?,
        metadata: ServerRequestMetadata,
        operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        for (name, value) in metadata.pathParameters where Self.holdsNUL(percentEncoded: value) {
            throw GatehouseError.validation(name, Self.message)
        }
        if let field = Self.nulField(inQueryOf: request.path ?? "") {
            throw GatehouseError.validation(field, Self.message)
        }
        guard let body else { return try await next(request, nil, metadata) }
        let bytes = try await [UInt8](collecting: body, upTo: maxBytes)
        let isForm = request.headerFields[.contentType]?.lowercased().hasPrefix("application/x-www-form-urlencoded") ?? false
        if let field = isForm ? Self.nulField(inQueryOf: "?" + String(decoding: bytes, as: UTF8.self)) : Self.nulField(inJSON: bytes) {
            throw GatehouseError.validation(field, Self.message)
        }
        return try await next(request, HTTPBody(bytes), metadata)
    }

    static func holdsNUL(percentEncoded text: some StringProtocol) -> Bool {
        guard text.contains("%00") || text.contains("\0") else { return false }
        let decoded = String(text).removingPercentEncoding ?? String(text)
        return decoded.unicodeScalars.contains("\0")
    }

    /// The first query parameter whose name or value holds a NUL.
    static func nulField(inQueryOf path: String) -> String? {
        guard let question = path.firstIndex(of: "?") else { return nil }
        for pair in path[path.index(after: question)...].split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = parts[0]
            if holdsNUL(percentEncoded: name) || (parts.count > 1 && holdsNUL(percentEncoded: parts[1])) {
                return (String(name).removingPercentEncoding ?? String(name)).replacingOccurrences(of: "\0", with: "")
            }
        }
        return nil
    }

    /// The path (`a.b[0].c`) of the first JSON member name or string holding a NUL. JSON can
    /// carry NUL only as the escape `\u0000`, so bodies without that text are not parsed.
    static func nulField(inJSON bytes: [UInt8]) -> String? {
        let escape = Array(#"\u0000"#.utf8)
        guard bytes.count >= escape.count,
              (0...(bytes.count - escape.count)).contains(where: { bytes[$0..<$0 + escape.count].elementsEqual(escape) }),
              let value = try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])
        else { return nil }
        return nulField(in: value, path: "")
    }

    private static func nulField(in value: Any, path: String) -> String? {
        switch value {
        case let text as String:
            return text.unicodeScalars.contains("\0") ? (path.isEmpty ? "body" : path) : nil
        case let object as [String: Any]:
            for key in object.keys.sorted() {
                let child = path.isEmpty ? key : "\(path).\(key)"
                if key.unicodeScalars.contains("\0") { return child.replacingOccurrences(of: "\0", with: "") }
                if let field = nulField(in: object[key]!, path: child) { return field }
            }
            return nil
        case let array as [Any]:
            for (index, element) in array.enumerated() {
                if let field = nulField(in: element, path: "\(path.isEmpty ? "body" : path)[\(index)]") { return field }
            }
            return nil
        default:
            return nil
        }
    }
}
