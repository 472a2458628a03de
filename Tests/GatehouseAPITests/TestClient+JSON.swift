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

extension TestClientProtocol {
    /// Sends the same JSON request `count` times at once, each on its own connection (the
    /// test client itself has one connection, which serialises requests).
    func sendConcurrently(_ count: Int, _ method: HTTPRequest.Method, _ uri: String, json body: [String: Any]) async throws -> [TestClient.Response] {
        guard let port else { throw TestUsers.FixtureError(description: "not a live test server") }
        let data = try JSONSerialization.data(withJSONObject: body)
        let clients = (0..<count).map { _ in TestClient(host: "127.0.0.1", port: port) }
        clients.forEach { $0.connect() }
        defer { for client in clients { Task { try? await client.shutdown() } } }
        return try await withThrowingTaskGroup(of: TestClient.Response.self) { group in
            for client in clients {
                group.addTask {
                    try await client.execute(.init(uri, method: method, headers: [.contentType: "application/json"], body: ByteBuffer(data: data)))
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
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
