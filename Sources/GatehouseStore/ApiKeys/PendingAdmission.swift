import Foundation
import Postgres
import Synchronization

/// A key hit decided on but not sent yet. For a read request (a GET with an API key whose tenant
/// is known from an earlier hit: a key's tenant never changes), the request's first one-statement
/// tenant read carries the hit in the same flight: the hit as one implicit transaction closed by
/// its own sync point (the key row's lock released at once), then the tenant scope and the read as
/// a second, on one lease and one round trip (`Database.read(asTenant:_:)`).
///
/// Whatever reaches the database first otherwise (`withTenant`, `withPlatform`, a read for another
/// tenant) sends the hit alone before it, so a write is never done ahead of admission; and the
/// authentication layer settles the hit before any response leaves, so a refused hit's read is
/// discarded and the refusal is what the client gets.
public final class PendingAdmission: Sendable {
    /// The admission of the request being served, if it is still to be sent with a read.
    @TaskLocal public static var current: PendingAdmission?

    /// The tenant the key belongs to.
    public let tenantID: UUID
    let statement: PostgresQuery
    private let sendAlone: @Sendable (PostgresQuery) async throws -> PostgresRows
    private let conclude: @Sendable (Result<PostgresRows, any Error>) async throws -> Void
    private let state = Mutex(State.pending)

    private enum State {
        case pending
        case inFlight(waiters: [CheckedContinuation<Void, any Error>])
        case settled(Result<Void, any Error>)
    }

    /// - Parameters:
    ///   - statement: the hit, one statement in its own implicit transaction.
    ///   - sendAlone: runs the hit by itself when no read carries it.
    ///   - conclude: reads what the server answered (rows, or the statement's error); throws the
    ///     refusal (401, 429, 402…) when not admitted.
    public init(tenantID: UUID, statement: PostgresQuery,
                sendAlone: @escaping @Sendable (PostgresQuery) async throws -> PostgresRows,
                conclude: @escaping @Sendable (Result<PostgresRows, any Error>) async throws -> Void) {
        self.tenantID = tenantID
        self.statement = statement
        self.sendAlone = sendAlone
        self.conclude = conclude
    }

    /// Takes the hit to send it; false when someone already has.
    func claim() -> Bool {
        state.withLock { state in
            guard case .pending = state else { return false }
            state = .inFlight(waiters: [])
            return true
        }
    }

    /// Concludes a claimed hit from what the server answered; rethrows a refusal or failure.
    func finish(_ answer: Result<PostgresRows, any Error>) async throws {
        let result: Result<Void, any Error>
        do {
            try await conclude(answer)
            result = .success(())
        } catch {
            result = .failure(error)
        }
        let waiters = state.withLock { state -> [CheckedContinuation<Void, any Error>] in
            defer { state = .settled(result) }
            if case .inFlight(let waiters) = state { return waiters }
            return []
        }
        waiters.forEach { $0.resume(with: result) }
        try result.get()
    }

    /// Makes sure the hit was sent and admitted: sends it alone when nobody has, waits while it
    /// is in flight, and rethrows the refusal when it was not admitted.
    public func settle() async throws {
        if claim() {
            let answer: Result<PostgresRows, any Error>
            do {
                answer = .success(try await sendAlone(statement))
            } catch {
                answer = .failure(error)
            }
            try await finish(answer)
            return
        }
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let settled: Result<Void, any Error>? = state.withLock { state in
                switch state {
                case .pending:
                    // Unreachable: claim() failed, so someone moved it on.
                    return .failure(CancellationError())
                case .inFlight(var waiters):
                    waiters.append(continuation)
                    state = .inFlight(waiters: waiters)
                    return nil
                case .settled(let result):
                    return result
                }
            }
            if let settled { continuation.resume(with: settled) }
        }
    }
}
