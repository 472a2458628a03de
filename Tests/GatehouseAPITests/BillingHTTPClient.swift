import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting

/// Requests to a billing test server on its known port, each on its own connection.
struct BillingHTTPClient: Sendable {
    let port: Int

    /// Sends `body` as is and returns the answer.
    func send(_ method: HTTPRequest.Method, _ uri: String, headers: HTTPFields = [:], body: ByteBuffer? = nil)
        async throws -> TestJSONResponse {
        try await TestClient.withClient(host: "127.0.0.1", port: port) { client in
            let response = try await client.execute(.init(uri, method: method, headers: headers, body: body))
            return TestJSONResponse(status: Int(response.status.code), headers: response.headers,
                                    text: response.body.map { String(buffer: $0) } ?? "")
        }
    }

    /// Sends `body` (a JSON-serializable value, or nil) as JSON and returns the answer.
    func requestJSON(_ method: HTTPRequest.Method, _ uri: String, headers: HTTPFields = [:], body: Any? = nil)
        async throws -> TestJSONResponse {
        var headers = headers
        var buffer: ByteBuffer?
        if let body {
            buffer = ByteBuffer(data: try JSONSerialization.data(withJSONObject: body))
            headers[.contentType] = "application/json"
        }
        return try await send(method, uri, headers: headers, body: buffer)
    }

    /// Waits until `/health/live` answers.
    func waitUntilLive() async throws {
        for _ in 0..<300 {
            if let status = try? await send(.get, "/health/live").status, status == 200 { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw TestUsers.FixtureError(description: "the billing test server did not come up on port \(port)")
    }

    /// Signs up a new tenant and owner through `POST /api/v2/auth/signup` (email not verified).
    func signUp() async throws -> TestUser {
        let email = TestUsers.uniqueEmail("owner")
        let response = try await requestJSON(.post, "/api/v2/auth/signup", body: [
            "email": email, "password": TestUsers.password, "full_name": "Test Owner", "tenant_name": "Test Co"])
        guard response.status == 201 else { throw TestUsers.FixtureError(description: "signup answered \(response.status): \(response.text)") }
        return try TestUser(pair: response.object, email: email, password: TestUsers.password)
    }
}
