import Foundation
import NIOCore

/// What `FakeSMTPServer`'s connection saw, shared between its event loop and the test.
final class FakeSMTPRecord: @unchecked Sendable {
    private let lock = NSLock()
    private var accepted = 0
    private let connectionLimit: Int
    private var _transcript: [String] = []
    private var _deliveries: [String] = []
    private var _data = ""
    private var _dataOverTLS = false
    /// Succeeds when the connection has closed.
    let done: EventLoopPromise<Void>

    init(done: EventLoopPromise<Void>, connectionLimit: Int = 1) {
        self.done = done
        self.connectionLimit = connectionLimit
    }

    var transcript: [String] { lock.withLock { _transcript } }
    var data: String { lock.withLock { _data } }
    var dataOverTLS: Bool { lock.withLock { _dataOverTLS } }
    /// Every message accepted after DATA, over all connections.
    var deliveries: [String] { lock.withLock { _deliveries } }
    /// Connections accepted so far.
    var connections: Int { lock.withLock { min(accepted, connectionLimit) } }

    /// The index of a new connection, or nil past the limit (it is closed at once).
    func accept() -> Int? {
        lock.withLock {
            defer { accepted += 1 }
            return accepted < connectionLimit ? accepted : nil
        }
    }

    func append(line: String, overTLS: Bool) {
        lock.withLock { _transcript.append(overTLS ? "tls: " + line : line) }
    }

    func set(data: String, overTLS: Bool) {
        lock.withLock {
            _data = data
            _dataOverTLS = overTLS
            _deliveries.append(data)
        }
    }

    private var finished = false

    /// A connection closed: `done` succeeds with the first one.
    func finish() {
        let first = lock.withLock {
            defer { finished = true }
            return !finished
        }
        if first { done.succeed() }
    }
}
