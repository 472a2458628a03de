import Foundation

/// A self-signed certificate, by default for `localhost` and 127.0.0.1, made with the `openssl`
/// CLI in a fresh temporary directory: `certificatePath` (PEM, also its own CA) and `keyPath` (PEM).
struct TestCertificate: Sendable {
    let directory: URL
    var certificatePath: String { directory.appendingPathComponent("cert.pem").path }
    var keyPath: String { directory.appendingPathComponent("key.pem").path }

    struct OpenSSLFailed: Error, CustomStringConvertible {
        let description: String
    }

    /// Runs `openssl req -x509` (on a thread of its own: the wait never blocks the cooperative pool).
    /// - Parameter names: the subject alternative names (`DNS:…`, `IP:…`); the first DNS name is the CN.
    static func generate(names: [String] = ["DNS:localhost", "IP:127.0.0.1"]) async throws -> TestCertificate {
        let commonName = names.first { $0.hasPrefix("DNS:") }.map { String($0.dropFirst(4)) } ?? "test"
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gatehouse-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let certificate = TestCertificate(directory: directory)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                             "-keyout", certificate.keyPath, "-out", certificate.certificatePath, "-days", "1",
                             "-subj", "/CN=\(commonName)", "-addext", "subjectAltName=" + names.joined(separator: ",")]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            Thread {
                do {
                    try process.run()
                    process.waitUntilExit()
                    continuation.resume(returning: process.terminationStatus)
                } catch {
                    continuation.resume(throwing: error)
                }
            }.start()
        }
        guard status == 0, FileManager.default.fileExists(atPath: certificate.certificatePath) else {
            throw OpenSSLFailed(description: "openssl req -x509 exited with status \(status)")
        }
        return certificate
    }

    /// Deletes the directory.
    func remove() {
        try? FileManager.default.removeItem(at: directory)
    }
}
