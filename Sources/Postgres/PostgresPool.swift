import Foundation
import Logging
import NIOPosix
import ServiceLifecycle
import Synchronization

/// An async pool of libpq connections with a fixed maximum and a bounded queue of waiters.
///
/// Threading: libpq's calls block, so the pool owns a `NIOThreadPool` with one thread per
/// connection it may open. Every libpq call runs there (`run(on:)`), never on an event loop or
/// on Swift's cooperative pool. Because a connection is leased by one task at a time and there
/// are as many threads as connections, a leased connection always finds a free thread.
///
/// Back-pressure: when every connection is busy a caller waits in FIFO order, up to
/// `acquireTimeout`; past `maxWaiters` callers are refused at once. A waiting task that is
/// cancelled leaves the queue.
///
/// Database restarts: an idle connection is checked before it is handed out (without blocking:
/// see `PostgresConnection.isReadyToSend`), so a connection the server closed while it sat in
/// the pool is replaced before the caller's first statement is sent on it: a restart then
/// costs no error, reads and writes alike. The first dead connection found also retires every
/// idle connection opened before it (a restart kills them all), and connecting is retried
/// while the server refuses, within `acquireTimeout`.
public final class PostgresPool: Service, Sendable {
    public let configuration: PostgresConfiguration
    private let threads: NIOThreadPool
    private let state = Mutex(State())
    private let logger: Logger

    private struct Waiter {
        let id: Int
        let continuation: CheckedContinuation<Grant, any Error>
    }

    /// What a waiter is handed: a connection, or the right to open a new one.
    private enum Grant {
        case connection(PostgresConnection)
        case open
    }

    private struct State {
        var idle: [PostgresConnection] = []
        var open = 0
        var waiters: [Waiter] = []
        var nextWaiterID = 0
        var isShutdown = false
        /// Bumped when a connection of this generation is found broken (the server it talked to
        /// is gone): idle connections of older generations are closed. A connection belongs to
        /// the generation current when it was opened.
        var generation = 0
    }

    /// Counts for metrics and health checks.
    public struct Statistics: Sendable {
        public var open: Int
        public var idle: Int
        public var waiting: Int
        public var inUse: Int { open - idle }
    }

    public init(configuration: PostgresConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        self.threads = NIOThreadPool(numberOfThreads: configuration.maxConnections)
        threads.start()
    }

    public var statistics: Statistics {
        state.withLock { Statistics(open: $0.open, idle: $0.idle.count, waiting: $0.waiters.count) }
    }

    // MARK: Using a connection

    /// Leases a connection for the duration of `body`.
    public func withConnection<T>(_ body: (PostgresSession) async throws -> T) async throws -> T {
        let connection = try await lease()
        let session = PostgresSession(connection: connection, pool: self)
        do {
            let value = try await body(session)
            release(connection)
            return value
        } catch {
            release(connection)
            throw error
        }
    }

    /// Runs `body` in a transaction: committed when it returns, rolled back when it throws.
    /// `prelude` (e.g. setting the tenant) runs right after `BEGIN`, sent with it in one round
    /// trip. A connection that died while idle (e.g. the server restarted) is replaced before
    /// `BEGIN`, since nothing of the body has run yet.
    public func withTransaction<T>(
        prelude: [PostgresQuery] = [], _ body: (PostgresSession) async throws -> T
    ) async throws -> T {
        var attempts = 0
        while true {
            attempts += 1
            let connection = try await lease()
            let session = PostgresSession(connection: connection, pool: self)
            do {
                if prelude.isEmpty {
                    try await session.execute("BEGIN")
                } else if case .failure(let error) = try await session.pipeline([["BEGIN"] + prelude])[0] {
                    throw error
                }
            } catch let error as PostgresError where error.isConnectionLost && attempts < 3 {
                release(connection)
                continue
            } catch {
                if connection.isOpen, !connection.isIdleOutsideTransaction {
                    _ = try? await session.execute("ROLLBACK")
                }
                release(connection)
                throw error
            }
            do {
                let value = try await body(session)
                try await session.execute("COMMIT")
                release(connection)
                return value
            } catch {
                if connection.isOpen {
                    _ = try? await session.execute("ROLLBACK")
                }
                release(connection)
                throw error
            }
        }
    }

    /// Runs blocking libpq work on the pool's own threads. Deliberately not cancellable: a
    /// statement already sent cannot be taken back, and cleanup (ROLLBACK, unlock) must run
    /// even in a cancelled task, or a connection would return to the pool mid-transaction.
    func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            threads.submit { state in
                guard case .active = state else {
                    continuation.resume(throwing: PostgresError.poolShutdown)
                    return
                }
                continuation.resume(with: Result(catching: work))
            }
        }
    }

    // MARK: Lease and release

    private func lease() async throws -> PostgresConnection {
        enum Next { case reuse(PostgresConnection), open, wait, fail(PostgresError) }
        let next: Next = state.withLock { state in
            if state.isShutdown { return .fail(.poolShutdown) }
            if let connection = state.idle.popLast() { return .reuse(connection) }
            if state.open < configuration.maxConnections {
                state.open += 1
                return .open
            }
            if state.waiters.count >= configuration.maxWaiters { return .fail(.poolExhausted) }
            return .wait
        }
        switch next {
        case .reuse(let connection):
            return try await checked(connection)
        case .open:
            return try await openConnection()
        case .fail(let error):
            throw error
        case .wait:
            switch try await waitForGrant() {
            case .connection(let connection): return try await checked(connection)
            case .open: return try await openConnection()
            }
        }
    }

    /// An idle connection, if the server has not closed it meanwhile; else, in its slot, a
    /// fresh one (nothing was sent on the dead one, so the caller loses nothing).
    private func checked(_ connection: PostgresConnection) async throws -> PostgresConnection {
        if connection.isReadyToSend { return connection }
        logger.notice("replacing a database connection the server closed while it was idle")
        closeInBackground(connection)
        retireGeneration(of: connection)
        return try await openConnection()
    }

    /// `dead` shows that the server its generation talked to is gone: starts a new generation
    /// and closes every idle connection of the old ones at once, rather than finding each dead
    /// on its turn. Evidence about an older generation (retired already) changes nothing.
    private func retireGeneration(of dead: PostgresConnection) {
        let retired: [PostgresConnection] = state.withLock { state in
            guard dead.generation == state.generation else { return [] }
            state.generation += 1
            let current = state.generation
            let retired = state.idle.filter { $0.generation < current }
            state.idle.removeAll { $0.generation < current }
            state.open -= retired.count
            return retired
        }
        if !retired.isEmpty {
            logger.notice("closing idle database connections of a server that went away", metadata: ["count": "\(retired.count)"])
        }
        retired.forEach(closeInBackground)
    }

    /// Opens a connection, trying again with backoff while the server cannot be reached, for as
    /// long as a request would wait for a free connection (`acquireTimeout`): a restart of the
    /// database (it refuses connections for a second or two) then costs a request some
    /// latency, not an error. Past that budget the error is thrown (a 503 for the API).
    /// The caller holds the slot.
    private func openConnection() async throws -> PostgresConnection {
        let configuration = self.configuration
        let deadline = ContinuousClock.now + configuration.acquireTimeout
        var delay = Duration.milliseconds(25)
        while true {
            let generation = state.withLock { $0.generation }
            do {
                return try await run { try PostgresConnection.connect(configuration, generation: generation) }
            } catch let error as PostgresError where error.mayBeTransient && ContinuousClock.now + delay < deadline {
                logger.warning("database connection failed; retrying", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: delay)
                delay = min(delay * 2, .milliseconds(400))
            } catch {
                // Give the slot back; a waiter (if any) gets to try opening it.
                forfeitSlot()
                logger.warning("database connection failed", metadata: ["error": "\(error)"])
                throw error
            }
        }
    }

    private func waitForGrant() async throws -> Grant {
        let id = state.withLock { state in
            state.nextWaiterID += 1
            return state.nextWaiterID
        }
        let timeout = configuration.acquireTimeout
        let timer = Task { [weak self] in
            try await Task.sleep(for: timeout)
            self?.removeWaiter(id, with: PostgresError.poolTimeout)
        }
        defer { timer.cancel() }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let enqueued = state.withLock { state in
                    guard !state.isShutdown else { return false }
                    state.waiters.append(Waiter(id: id, continuation: continuation))
                    return true
                }
                if !enqueued { continuation.resume(throwing: PostgresError.poolShutdown) }
                if Task.isCancelled { removeWaiter(id, with: CancellationError()) }
            }
        } onCancel: {
            removeWaiter(id, with: CancellationError())
        }
    }

    /// Resumes the waiter with an error if it is still queued (whoever removes it owns it).
    private func removeWaiter(_ id: Int, with error: any Error) {
        let waiter: Waiter? = state.withLock { state in
            guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
            return state.waiters.remove(at: index)
        }
        waiter?.continuation.resume(throwing: error)
    }

    func release(_ connection: PostgresConnection) {
        if !connection.isOpen {
            logger.notice("discarding a broken database connection")
            closeInBackground(connection)
            retireGeneration(of: connection)
            forfeitSlot()
            return
        }
        if !connection.isIdleOutsideTransaction {
            // Never hand the next caller a connection inside someone else's transaction
            // (it could carry their tenant setting): close it instead.
            logger.warning("discarding a database connection left inside a transaction")
            closeInBackground(connection)
            forfeitSlot()
            return
        }
        enum Next { case handOver(Waiter), close, done }
        let next: Next = state.withLock { state in
            if state.isShutdown { state.open -= 1; return .close }
            if !state.waiters.isEmpty { return .handOver(state.waiters.removeFirst()) }
            state.idle.append(connection)
            return .done
        }
        switch next {
        case .handOver(let waiter): waiter.continuation.resume(returning: .connection(connection))
        case .close: closeInBackground(connection)
        case .done: break
        }
    }

    /// A slot was freed without a connection to hand over: let the first waiter open one.
    private func forfeitSlot() {
        let waiter: Waiter? = state.withLock { state in
            guard !state.isShutdown, !state.waiters.isEmpty else {
                state.open -= 1
                return nil
            }
            return state.waiters.removeFirst()
        }
        waiter?.continuation.resume(returning: .open)
    }

    /// PQfinish writes to the socket: keep it off the caller's thread too.
    private func closeInBackground(_ connection: PostgresConnection) {
        threads.submit { _ in connection.close() }
    }

    // MARK: Lifecycle

    /// Runs until graceful shutdown, then closes idle connections and stops the threads.
    public func run() async throws {
        try? await gracefulShutdown()
        await shutdown()
    }

    /// Refuses new leases, fails waiters, closes idle connections. Leased connections close on release.
    public func shutdown() async {
        let (idle, waiters) = state.withLock { state -> ([PostgresConnection], [Waiter]) in
            state.isShutdown = true
            let idle = state.idle
            state.open -= idle.count
            state.idle = []
            let waiters = state.waiters
            state.waiters = []
            return (idle, waiters)
        }
        waiters.forEach { $0.continuation.resume(throwing: PostgresError.poolShutdown) }
        for connection in idle {
            _ = try? await run { connection.close() }
        }
        try? await threads.shutdownGracefully()
    }
}
