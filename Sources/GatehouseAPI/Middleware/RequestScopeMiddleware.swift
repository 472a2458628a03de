import Foundation
import Hummingbird
import HTTPTypes
import Logging

/// Gives every request an id (the client's `X-Request-Id` when it is sane, else a new UUID),
/// puts it in the logger's metadata and the response headers, and publishes the `RequestScope`.
struct RequestScopeMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let requestID = Self.acceptableID(request.headers[.requestID]) ?? Self.newRequestID()
        var context = context
        context.logger[metadataKey: "request_id"] = .string(requestID)
        let scope = RequestScope(
            requestID: requestID,
            baseLogger: context.logger,
            remoteAddress: context.remoteAddress,
            userAgent: request.headers[.userAgent].map { String($0.prefix(512)) },
            state: RequestState()
        )
        var response = try await RequestScope.$current.withValue(scope) {
            try await next(request, context)
        }
        // Headers learned inside (rate limits, spend) reach successes and problem answers alike.
        for (name, value) in scope.state.headers {
            if let field = HTTPField.Name(name) { response.headers[field] = value }
        }
        response.headers[.requestID] = requestID
        return response
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// A random UUID in lowercase, formatted straight into one string (no uppercase copy).
    static func newRequestID() -> String {
        let uuid = UUID().uuid
        return withUnsafeBytes(of: uuid) { bytes in
            String(unsafeUninitializedCapacity: 36) { buffer in
                var index = 0
                for (position, byte) in bytes.enumerated() {
                    if position == 4 || position == 6 || position == 8 || position == 10 {
                        buffer[index] = UInt8(ascii: "-")
                        index += 1
                    }
                    buffer[index] = hexDigits[Int(byte >> 4)]
                    buffer[index + 1] = hexDigits[Int(byte & 0x0f)]
                    index += 2
                }
                return index
            }
        }
    }

    /// Echo only ids that cannot inject anything into logs or headers.
    static func acceptableID(_ value: String?) -> String? {
        guard let value, (1...128).contains(value.count),
              value.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.:".contains($0)) }) else { return nil }
        return value
    }
}

extension HTTPField.Name {
    static let requestID = Self("X-Request-Id")!
}
