import Foundation
import GatehouseAPI
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import NIOPosix
import Testing

/// `/metrics` can be closed to the public (issue 8, item 9): a bearer token, or a port of its own.
@Suite("Metrics access")
struct MetricsAccessTests {
    static let token = "metrics-token-0123456789abcdef"

    @Test func aMetricsTokenIsRequiredWhenConfigured() async throws {
        var configuration = try await TestApp.configuration()
        configuration.metricsToken = Self.token
        try await TestApp.run(configuration) { client in
            for headers: HTTPFields in [[:], [.authorization: "Bearer wrong-token-0123456789"], [.authorization: Self.token]] {
                let response = try await client.requestJSON(.get, "/metrics", headers: headers)
                #expect(response.status == 401, "\(headers)")
                #expect(response.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)
                #expect(!response.text.contains("gatehouse_db_pool"))
            }
            let response = try await client.requestJSON(.get, "/metrics", headers: [.authorization: "Bearer \(Self.token)"])
            #expect(response.status == 200)
            #expect(response.text.contains("gatehouse_db_pool_connections_open"))
            // The rest of the API is unaffected.
            #expect(try await client.requestJSON(.get, "/health/live").status == 200)
        }
    }

    @Test func aMetricsPortTakesMetricsOffTheAPIPort() async throws {
        let port = try await Self.freePort()
        var configuration = try await TestApp.configuration()
        configuration.metricsPort = port
        configuration.metricsToken = Self.token
        try await TestApp.run(configuration) { client in
            var response = try await client.requestJSON(.get, "/metrics", headers: [.authorization: "Bearer \(Self.token)"])
            #expect(response.status == 404)
            #expect(!response.text.contains("gatehouse_db_pool"))

            let metricsClient = TestClient(host: "127.0.0.1", port: port)
            metricsClient.connect()
            defer { Task { try? await metricsClient.shutdown() } }
            var answer = try await metricsClient.get("/metrics")
            #expect(answer.status == .unauthorized)
            answer = try await metricsClient.get("/metrics", headers: [.authorization: "Bearer \(Self.token)"])
            #expect(answer.status == .ok)
            #expect(answer.body.map { String(buffer: $0) }?.contains("gatehouse_db_pool_connections_open") == true)
            answer = try await metricsClient.get("/api/v2/auth/me", headers: [.authorization: "Bearer \(Self.token)"])
            #expect(answer.status == .notFound)
            response = try await client.requestJSON(.get, "/health/live")
            #expect(response.status == 200)
        }
    }

    /// A port nobody listens on right now (bound, read, released).
    static func freePort() async throws -> Int {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        let port = channel.localAddress?.port ?? 0
        try await channel.close()
        return port
    }
}
