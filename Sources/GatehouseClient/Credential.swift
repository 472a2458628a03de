public import Foundation
public import HTTPTypes
public import OpenAPIRuntime

/// Sends a Gatehouse credential with every request: a user's access token
/// (`Authorization: Bearer …`) or an API key (`X-API-Key: …`).
///
///     let client = Client(serverURL: url, transport: AsyncHTTPClientTransport(),
///                         middlewares: [Credential.apiKey(rawKey)])
public struct Credential: ClientMiddleware {
    let name: HTTPField.Name
    let value: String

    public static func bearer(_ accessToken: String) -> Credential {
        Credential(name: .authorization, value: "Bearer \(accessToken)")
    }

    public static func apiKey(_ key: String) -> Credential {
        Credential(name: HTTPField.Name("X-API-Key")!, value: key)
    }

    public func intercept(
        _ request: HTTPRequest, body: HTTPBody?, baseURL: URL, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, URL) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        var request = request
        request.headerFields[name] = value
        return try await next(request, body, baseURL)
    }
}
