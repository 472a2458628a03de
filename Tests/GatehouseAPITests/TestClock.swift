import Foundation

/// A settable clock for `AppConfiguration.clock`: tests move time instead of waiting.
final class TestClock: @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date

    init(_ start: Date) {
        current = start
    }

    /// `2026-03-10T12:00:00Z`-style UTC time.
    convenience init(_ iso: String) {
        self.init(TestClock.date(iso))
    }

    static func date(_ iso: String) -> Date {
        try! Date(iso, strategy: .iso8601)
    }

    var now: Date {
        lock.lock()
        defer { lock.unlock() }
        return current
    }

    func set(_ iso: String) {
        lock.lock()
        current = TestClock.date(iso)
        lock.unlock()
    }

    func advance(seconds: Double) {
        lock.lock()
        current = current.addingTimeInterval(seconds)
        lock.unlock()
    }

    /// The closure for `AppConfiguration.clock`.
    var function: @Sendable () -> Date { { [self] in self.now } }
}
