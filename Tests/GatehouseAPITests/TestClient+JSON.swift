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

/// One request for `executeConcurrently`: a JSON body (or none) and its headers.
struct ConcurrentRequest: Sendable {
    var method: HTTPRequest.Method
    var uri: String
    var headers: HTTPFields = [:]
    var json: [String: any Sendable]? = nil
}

extension TestClientProtocol {
    /// Sends the same JSON request `count` times at once, each on its own connection (the
    /// test client itself has one connection, which serialises requests).
    func sendConcurrently(_ count: Int, _ method: HTTPRequest.Method, _ uri: String, json body: [String: any Sendable]) async throws -> [TestClient.Response] {
        try await executeConcurrently(Array(repeating: ConcurrentRequest(method: method, uri: uri, json: body), count: count))
    }

    /// Sends every request at once, each on its own connection, so the server really runs them
    /// concurrently; answers in the order of `requests`.
    func executeConcurrently(_ requests: [ConcurrentRequest]) async throws -> [TestClient.Response] {
        guard let port else { throw TestUsers.FixtureError(description: "not a live test server") }
        let clients = requests.map { _ in TestClient(host: "127.0.0.1", port: port) }
        clients.forEach { $0.connect() }
        defer { for client in clients { Task { try? await client.shutdown() } } }
        return try await withThrowingTaskGroup(of: (Int, TestClient.Response).self) { group in
            for (index, (client, request)) in zip(clients, requests).enumerated() {
                var headers = request.headers
                var body: ByteBuffer?
                if let json = request.json {
                    headers[.contentType] = "application/json"
                    body = ByteBuffer(data: try JSONSerialization.data(withJSONObject: json))
                }
                let head = headers
                let payload = body
                group.addTask {
                    (index, try await client.execute(.init(request.uri, method: request.method, headers: head, body: payload)))
                }
            }
            var answers = [TestClient.Response?](repeating: nil, count: requests.count)
            for try await (index, response) in group { answers[index] = response }
            return answers.map { $0! }
        }
    }
}

extension TestClient.Response {
    var json: [String: Any] {
        get throws {
            let data = body.map { Data(buffer: $0) } ?? Data()
            guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                throw TestUsers.FixtureError(description: "not a JSON object")
            }
            return object
        }
    }
}
