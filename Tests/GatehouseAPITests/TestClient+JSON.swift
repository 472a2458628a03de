import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting

extension TestClientProtocol {
    /// Sends `body` as JSON (or no body) and returns the response.
    func send(_ method: HTTPRequest.Method, _ uri: String, json body: [String: Any]? = nil, headers: HTTPFields = [:]) async throws -> TestResponse {
        var headers = headers
        var buffer: ByteBuffer?
        if let body {
            headers[.contentType] = "application/json"
            buffer = ByteBuffer(data: try JSONSerialization.data(withJSONObject: body))
        }
        return try await execute(uri: uri, method: method, headers: headers, body: buffer)
    }
}

extension TestResponse {
    /// The problem document's `error` code.
    var errorCode: String? { (try? json)?["error"] as? String }
}
