import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Auth throttling in Postgres: 429 rate_limited with Retry-After")
struct AuthThrottleTests {
    @Test func loginIsThrottledPerEmail() async throws {
        let user = try await TestApp.run { client in try await TestUsers.signUp(client) }
        var configuration = try await TestApp.configuration()
        configuration.authThrottlePerEmail = 3
        try await TestApp.run(configuration) { client in
            for _ in 0..<3 {
                let wrong = try await client.send(.post, "/api/v2/auth/login", json: ["email": user.email, "password": "wrong password"])
                #expect(wrong.status == .unauthorized)
            }
            // Even the right password waits now: the bucket counts attempts.
            let limited = try await client.send(.post, "/api/v2/auth/login", json: ["email": user.email.uppercased(), "password": user.password])
            #expect(limited.status == .tooManyRequests)
            #expect(limited.errorCode == "rate_limited")
            let retryAfter = try #require(limited.headers[.retryAfter].flatMap { Int($0) })
            #expect(retryAfter >= 1)
            #expect(try limited.json["retry_after_ms"] as? Int == retryAfter * 1000)
            // Another email is not affected.
            let other = try await client.send(.post, "/api/v2/auth/login", json: ["email": TestUsers.uniqueEmail(), "password": "whatever"])
            #expect(other.status == .unauthorized)
        }
    }

    @Test func forgotPasswordIsThrottledPerIP() async throws {
        var configuration = try await TestApp.configuration()
        configuration.authThrottlePerIP = 3
        // Its own window length, so this test's IP bucket is not shared with other tests' hits.
        configuration.authThrottleWindowSeconds = 3 * 3600 + Int.random(in: 1...3600)
        try await TestApp.run(configuration) { client in
            var statuses: [HTTPResponse.Status] = []
            for _ in 0..<5 {
                let response = try await client.send(.post, "/api/v2/auth/forgot-password", json: ["email": TestUsers.uniqueEmail("ip")])
                statuses.append(response.status)
                if response.status == .tooManyRequests {
                    #expect(response.headers[.retryAfter] != nil)
                }
            }
            #expect(statuses.contains(.tooManyRequests))
            #expect(statuses.filter { $0 == .accepted }.count <= 3)
        }
    }
}
