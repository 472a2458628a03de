import Foundation
import GatehouseAPI
import GatehouseTestSupport
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Server skeleton over real HTTP: health, metrics, request ids, problem errors")
struct OperationsTests {
    @Test func liveAndReadyAnswer200WithARequestID() async throws {
        try await TestApp.run { client in
            try await client.execute(uri: "/health/live", method: .get) { response in
                #expect(response.status == .ok)
                #expect((try? response.json)?["status"] as? String == "ok")
                let id = try #require(response.headers[HTTPField.Name("X-Request-Id")!])
                #expect(UUID(uuidString: id) != nil)
            }
            try await client.execute(uri: "/health/ready", method: .get) { response in
                #expect(response.status == .ok)
                let checks = try #require(try response.json["checks"] as? [String: String])
                #expect(checks == ["database": "ok", "migrations": "ok"])
            }
        }
    }

    @Test func clientRequestIDIsEchoedWhenSane() async throws {
        try await TestApp.run { client in
            try await client.execute(uri: "/health/live", method: .get, headers: [HTTPField.Name("X-Request-Id")!: "abc-123"]) { response in
                #expect(response.headers[HTTPField.Name("X-Request-Id")!] == "abc-123")
            }
            // A value that could inject into logs is replaced by a fresh id.
            try await client.execute(uri: "/health/live", method: .get, headers: [HTTPField.Name("X-Request-Id")!: "evil value\u{7f}"]) { response in
                let id = try #require(response.headers[HTTPField.Name("X-Request-Id")!])
                #expect(id != "evil value\u{7f}")
                #expect(UUID(uuidString: id) != nil)
            }
        }
    }

    @Test func unknownRouteIsAProblemDocument() async throws {
        try await TestApp.run { client in
            try await client.execute(uri: "/api/v2/nowhere", method: .get, headers: [HTTPField.Name("X-Request-Id")!: "req-404"]) { response in
                #expect(response.status == .notFound)
                #expect(response.headers[.contentType] == "application/problem+json")
                let problem = try response.json
                #expect(problem["error"] as? String == "not_found")
                #expect(problem["status"] as? Int == 404)
                #expect(problem["request_id"] as? String == "req-404")
                #expect(problem["title"] as? String != nil)
                #expect(problem["type"] as? String != nil)
            }
        }
    }

    @Test func readinessFailsWhenAMigrationIsPending() async throws {
        var configuration = try await TestApp.configuration()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pending-\(UUID())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for name in try FileManager.default.contentsOfDirectory(atPath: TestDatabase.migrationsDirectory) {
            try FileManager.default.copyItem(atPath: TestDatabase.migrationsDirectory + "/" + name, toPath: directory + "/" + name)
        }
        try "SELECT 1;".write(toFile: directory + "/9999_add_future.sql", atomically: true, encoding: .utf8)
        configuration.migrationsDirectory = directory
        try await TestApp.run(configuration) { client in
            try await client.execute(uri: "/health/ready", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                let problem = try response.json
                #expect(problem["error"] as? String == "service_unavailable")
                #expect((problem["detail"] as? String)?.contains("migrations") == true)
            }
        }
    }

    @Test func readinessFailsWhenTheDatabaseIsUnreachable() async throws {
        var configuration = try await TestApp.configuration()
        // A port nothing listens on: the pool cannot connect.
        configuration.databaseURL = "postgres://gatehouse_app@127.0.0.1:1/gatehouse?connect_timeout=1"
        try await TestApp.run(configuration) { client in
            try await client.execute(uri: "/health/live", method: .get) { response in
                #expect(response.status == .ok)
            }
            try await client.execute(uri: "/health/ready", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                let problem = try response.json
                #expect(problem["error"] as? String == "service_unavailable")
                // No connection string, host or driver message reaches the client.
                #expect((problem["detail"] as? String)?.contains("127.0.0.1") == false)
            }
        }
    }

    @Test func metricsCountRequestsByRouteAndExposePoolGauges() async throws {
        try await TestApp.run { client in
            for _ in 0..<3 {
                try await client.execute(uri: "/health/live", method: .get) { _ in }
            }
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.status == .ok)
                let text = response.text
                #expect(text.contains(#"http_requests_total{method="GET",route="/health/live",status="200"} 3"#))
                #expect(text.contains("http_request_duration_seconds_bucket"))
                #expect(text.contains("gatehouse_db_pool_connections_in_use"))
                #expect(text.contains("gatehouse_db_pool_waiters"))
            }
        }
    }
}
