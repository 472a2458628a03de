import Foundation
import NIOCore

/// What `FakeSMTPServer`'s connection saw, shared between its event loop and the test.
final class FakeSMTPRecord: @unchecked Sendable {
    private let lock = NSLock()
    private var accepted = false
    private var _transcript: [String] = []
    private var _data = ""
    private var _dataOverTLS = false
    /// Succeeds when the connection has closed.
    let done: EventLoopPromise<Void>

    init(done: EventLoopPromise<Void>) {
        self.done = done
    }

    var transcript: [String] { lock.withLock { _transcript } }
    var data: String { lock.withLock { _data } }
    var dataOverTLS: Bool { lock.withLock { _dataOverTLS } }

    /// True for the first connection only.
    func accept() -> Bool {
        lock.withLock {
            defer { accepted = true }
            return !accepted
        }
    }

    func append(line: String, overTLS: Bool) {
        lock.withLock { _transcript.append(overTLS ? "tls: " + line : line) }
    }

    func set(data: String, overTLS: Bool) {
        lock.withLock {
            _data = data
            _dataOverTLS = overTLS
        }
    }

    func finish() {
        done.succeed()
    }
}
