import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting

/// A response read as JSON, for tests that make many calls.
struct TestJSONResponse: Sendable {
    var status: Int
    var headers: HTTPFields
    var text: String

    /// The body as a JSON object ([:] when it is not one).
    var object: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
    }

    /// The problem document's `error` code.
    var error: String? { object["error"] as? String }
}

extension TestClientProtocol {
    /// Sends `body` (a JSON-serializable value, or nil) and returns the answer.
    func requestJSON(
        _ method: HTTPRequest.Method, _ uri: String, headers: HTTPFields = [:], body: Any? = nil
    ) async throws -> TestJSONResponse {
        var headers = headers
        var buffer: ByteBuffer?
        if let body {
            buffer = ByteBuffer(string: String(decoding: try JSONSerialization.data(withJSONObject: body), as: UTF8.self))
            headers[.contentType] = "application/json"
        }
        return try await execute(uri: uri, method: method, headers: headers, body: buffer) { response in
            TestJSONResponse(status: Int(response.status.code), headers: response.headers, text: String(buffer: response.body))
        }
    }
}
