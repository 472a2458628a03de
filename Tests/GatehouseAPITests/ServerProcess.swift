import Foundation
import GatehouseTestSupport
import HTTPTypes
import HummingbirdTesting
import NIOCore
#if canImport(Glibc)
import Glibc
#endif

/// The built `gatehouse serve` binary as a separate OS process on a free port, configured through
/// its environment like a real replica; stdout and stderr go to a log file the test can read.
final class ServerProcess: @unchecked Sendable {
    let port: Int
    let logPath: String
    private let process: Process

    static var binaryPath: String { GatehouseBinary.url.path }

    init(extraEnvironment: [String: String] = [:]) throws {
        port = try Self.freePort()
        logPath = FileManager.default.temporaryDirectory.appendingPathComponent("gatehouse-\(UUID()).log").path
        FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binaryPath)
        process.arguments = ["serve"]
        var environment = [
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
            "HOST": "127.0.0.1",
            "PORT": String(port),
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

    /// Waits until `/health/live` answers.
    func waitUntilLive() async throws {
        for _ in 0..<200 {
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

    /// A port nothing listens on right now (bind to 0, read it back, close).
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ProcessFailed(log: "socket() failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0 else { throw ProcessFailed(log: "bind() failed") }
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else { throw ProcessFailed(log: "getsockname() failed") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
