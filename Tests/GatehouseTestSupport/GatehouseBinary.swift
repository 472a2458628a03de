import Foundation

/// Runs the built `gatehouse` executable (built next to the test bundle by
/// `swift build --build-tests`), for tests of the CLI and of several server processes.
public enum GatehouseBinary {
    public static var url: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("gatehouse")
    }

    public struct Result: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
    }

    private static func readOnOwnThread(_ handle: FileHandle) async -> Data {
        await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: handle.readDataToEndOfFile()) }.start()
        }
    }

    /// Runs `gatehouse arguments…` with exactly `environment` (plus PATH) and waits for it.
    public static func run(_ arguments: [String], environment: [String: String]) async throws -> Result {
        let process = Process()
        process.executableURL = url
        process.arguments = arguments
        process.environment = environment.merging(["PATH": "/usr/bin:/bin"]) { current, _ in current }
        process.currentDirectoryURL = TestDatabase.repositoryRoot
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Reading the pipes and waiting for exit block: do it on dedicated threads, never on the
        // cooperative pool (two cores give it two threads; blocking them starves every test).
        async let outData = readOnOwnThread(out.fileHandleForReading)
        async let errData = readOnOwnThread(err.fileHandleForReading)
        let (stdoutData, stderrData) = await (outData, errData)
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            Thread { process.waitUntilExit(); continuation.resume() }.start()
        }
        return Result(
            status: process.terminationStatus,
            stdout: String(decoding: stdoutData, as: UTF8.self),
            stderr: String(decoding: stderrData, as: UTF8.self)
        )
    }
}
