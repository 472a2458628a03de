import Foundation
import NIOPosix
import Synchronization

/// A small set of dedicated threads for blocking, CPU-heavy work (Argon2), with a bounded
/// queue: at most `threads + queueLimit` jobs are admitted at once; beyond that `submit`
/// throws `Busy` at once instead of queueing without bound (the API answers 503 + Retry-After).
/// The work never runs on an event loop or Swift's cooperative pool.
public final class BlockingWorkerPool: Sendable {
    /// The pool is full: retry later.
    public struct Busy: Error, Sendable {}

    public let threads: Int
    public let queueLimit: Int
    private let pool: NIOThreadPool
    private let admitted = Mutex(0)

    public init(threads: Int, queueLimit: Int) {
        precondition(threads >= 1 && queueLimit >= 0)
        self.threads = threads
        self.queueLimit = queueLimit
        self.pool = NIOThreadPool(numberOfThreads: threads)
        pool.start()
    }

    /// Jobs admitted and not finished (running plus queued).
    public var inFlight: Int { admitted.withLock { $0 } }

    /// Runs `work` on one of the pool's threads, or throws `Busy` if the queue is full.
    public func submit<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        let capacity = threads + queueLimit
        let ok = admitted.withLock { count -> Bool in
            guard count < capacity else { return false }
            count += 1
            return true
        }
        guard ok else { throw Busy() }
        defer { admitted.withLock { $0 -= 1 } }
        return try await pool.runIfActive(work)
    }

    /// Stops the threads after the queued work.
    public func shutdown() async throws {
        try await pool.shutdownGracefully()
    }
}
