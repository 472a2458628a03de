/// Polling for a condition that becomes true in the background (a queue flushed, a mail
/// sent): checks every `interval` until it holds, for at most a generous `timeout` (a loaded
/// CI machine is slow; a passing test returns as soon as the condition holds), and when time
/// runs out says what it was waiting for (`what` is read then, so it can show the last state).
public enum Eventually {
    public struct TimedOut: Error, CustomStringConvertible {
        public let what: String
        public let timeout: Duration
        public var description: String { "timed out after \(timeout) waiting for \(what)" }
    }

    public static func wait(
        for what: @autoclosure () -> String, timeout: Duration = .seconds(60), interval: Duration = .milliseconds(50),
        _ condition: () async throws -> Bool
    ) async throws {
        let deadline = ContinuousClock.now + timeout
        while try await !condition() {
            guard ContinuousClock.now < deadline else { throw TimedOut(what: what(), timeout: timeout) }
            try await Task.sleep(for: interval)
        }
    }
}
