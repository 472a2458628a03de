import Foundation
import Logging

/// A `LogHandler` that keeps every message (level `trace` and up) for a test to read.
struct RecordingLogHandler: LogHandler {
    /// The messages logged through any copy of this handler, shared between copies.
    final class Messages: @unchecked Sendable {
        private let lock = NSLock()
        private var entries: [(level: Logger.Level, message: String)] = []

        var all: [(level: Logger.Level, message: String)] { lock.withLock { entries } }

        func append(_ level: Logger.Level, _ message: String) {
            lock.withLock { entries.append((level, message)) }
        }
    }

    let messages: Messages
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    /// A logger whose messages end up in the returned `Messages`.
    static func logger() -> (Logger, Messages) {
        let messages = Messages()
        return (Logger(label: "test-recording") { _ in RecordingLogHandler(messages: messages) }, messages)
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        messages.append(event.level, "\(event.message)")
    }
}
