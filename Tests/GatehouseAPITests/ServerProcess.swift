import Foundation
import GatehouseTestSupport
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The built `gatehouse serve` binary as a separate OS process, configured through its
/// environment like a real replica; stdout and stderr go to a log file the test can read.
///
/// It binds port 0 and the test reads the port the kernel gave it from the server's
/// "listening on" log line: a port picked by the test, closed and rebound could meanwhile be
/// taken by another test's server, and the test would then talk to the wrong one.
final class ServerProcess: @unchecked Sendable {
    let logPath: String
    private let process: Process
    private let boundPort = Mutex<Int?>(nil)

    /// The port the server listens on (known once `waitUntilLive` has returned).
    var port: Int {
        boundPort.withLock { cached in
            if let cached { return cached }
            cached = Self.listeningPort(in: log)
            guard let port = cached else { preconditionFailure("ServerProcess.port read before waitUntilLive()") }
            return port
        }
    }

    static var binaryPath: String { GatehouseBinary.url.path }

    init(extraEnvironment: [String: String] = [:]) throws {
        logPath = FileManager.default.temporaryDirectory.appendingPathComponent("gatehouse-\(UUID()).log").path
        FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binaryPath)
        process.arguments = ["serve"]
        var environment = [
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
            "HOST": "127.0.0.1",
            "PORT": "0",
            "DATABASE_URL": try TestDatabase.appURL,
            "KEY_PEPPER": TestApp.keyPepper,
            "JWT_SIGNING_KEY": TestApp.jwtSigningKey,
            "MIGRATIONS_DIR": TestDatabase.migrationsDirectory,
            "OPENAPI_SPEC": TestDatabase.openAPISpecPath,
            "LOG_LEVEL": "debug",
            "LOG_FORMAT": "json",
            "DB_POOL_SIZE": "8",
            // These servers share the test database and its mail outbox: deliver into the same
            // folder as the in-process test servers, or their mails would vanish into a log.
            "MAIL_TRANSPORT": "file:" + TestMail.directory,
        ]
        environment.merge(extraEnvironment) { $1 }
        process.environment = environment
        process.standardOutput = log
        process.standardError = log
        try process.run()
    }

    /// Waits until the server has reported its port and `/health/live` answers.
    func waitUntilLive() async throws {
        for _ in 0..<300 {
            guard Self.listeningPort(in: log) != nil else {
                guard process.isRunning else { throw ProcessFailed(log: log) }
                try await Task.sleep(for: .milliseconds(50))
                continue
            }
            if let status = try? await TestClient.withClient(host: "127.0.0.1", port: port, operation: { client in
                try await client.get("/health/live").status
            }), status == .ok {
                return
            }
            guard process.isRunning else { throw ProcessFailed(log: log) }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw ProcessFailed(log: log)
    }

    /// SIGTERM (graceful shutdown, as an orchestrator does) and wait for the exit.
    func stop() async {
        if process.isRunning { process.terminate() }
        for _ in 0..<300 where process.isRunning {
            try? await Task.sleep(for: .milliseconds(50))
        }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    var exitedCleanly: Bool { !process.isRunning && process.terminationStatus == 0 }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    struct ProcessFailed: Error, CustomStringConvertible {
        let log: String
        var description: String { "gatehouse serve did not come up; log:\n\(log.suffix(4000))" }
    }

    /// One request on its own connection (so requests to one server really run concurrently).
    func request(_ uri: String, method: HTTPRequest.Method = .get, headers: HTTPFields = [:], body: String? = nil)
        async throws -> TestClient.Response {
        try await TestClient.withClient(host: "127.0.0.1", port: port) { client in
            var headers = headers
            if body != nil { headers[.contentType] = "application/json" }
            return try await client.execute(.init(uri, method: method, headers: headers,
                                                  body: body.map { ByteBuffer(string: $0) }))
        }
    }

    /// The port in Hummingbird's "Server started and listening on 127.0.0.1:PORT" line.
    static func listeningPort(in log: String) -> Int? {
        guard let range = log.range(of: "listening on 127.0.0.1:") else { return nil }
        let digits = log[range.upperBound...].prefix { $0.isNumber }
        return Int(digits)
    }
}
