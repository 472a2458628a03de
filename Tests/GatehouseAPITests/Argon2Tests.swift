import Foundation
import GatehouseAuth
import Synchronization
import Testing

@Suite("Argon2id hashing and its bounded worker pool")
struct Argon2Tests {
    let cheap = Argon2Parameters(memoryKiB: 64, iterations: 1, parallelism: 1)

    @Test func defaultsAreOWASP() {
        #expect(Argon2Parameters.owaspDefault == Argon2Parameters(memoryKiB: 19_456, iterations: 2, parallelism: 1))
    }

    @Test func hashIsAPHCStringWithTheParametersAndAFreshSalt() throws {
        let a = try Argon2id.hash("pässwörd-🔑", parameters: cheap)
        let b = try Argon2id.hash("pässwörd-🔑", parameters: cheap)
        #expect(a.hasPrefix("$argon2id$v=19$m=64,t=1,p=1$"))
        #expect(a != b)
        #expect(Argon2Parameters(phc: a) == cheap)
        #expect(Argon2id.verify("pässwörd-🔑", phc: a))
        #expect(!Argon2id.verify("pässwörd-🔒", phc: a))
        #expect(!Argon2id.verify("pässwörd-🔑", phc: "not a hash"))
    }

    @Test func parametersAreValidatedAndParsed() throws {
        #expect(throws: Argon2Error.self) { try Argon2Parameters(memoryKiB: 8, iterations: 1, parallelism: 2).validated() }
        #expect(throws: Argon2Error.self) { try Argon2Parameters(memoryKiB: 64, iterations: 0, parallelism: 1).validated() }
        #expect(Argon2Parameters(phc: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA") == .owaspDefault)
        #expect(Argon2Parameters(phc: "$argon2i$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA") == nil)
        #expect(Argon2Parameters(phc: "$2b$12$abcdefghijklmnopqrstuv") == nil)
    }

    @Test func hasherRehashesOnlyWhenParametersDiffer() async throws {
        let pool = BlockingWorkerPool(threads: 1, queueLimit: 4)
        let hasher = try PasswordHasher(parameters: cheap, workers: pool)
        let hash = try await hasher.hash("correct horse")
        #expect(try await hasher.verify("correct horse", phc: hash))
        #expect(try await !hasher.verify("wrong horse", phc: hash))
        #expect(try await !hasher.verifyDummy("correct horse"))
        #expect(!hasher.needsRehash(hash))
        let stronger = try PasswordHasher(parameters: Argon2Parameters(memoryKiB: 128, iterations: 2, parallelism: 1), workers: pool)
        #expect(stronger.needsRehash(hash))
        #expect(stronger.needsRehash("$2b$12$legacy"))
        try await pool.shutdown()
    }

    @Test func fullPoolRefusesAtOnceInsteadOfQueueingWithoutBound() async throws {
        let pool = BlockingWorkerPool(threads: 1, queueLimit: 1)
        let gate = DispatchSemaphore(value: 0)
        let running = Counter()
        // One job runs (blocked on the gate), one waits in the queue.
        let first = Task { try await pool.submit { running.increment(); gate.wait(); return 1 } }
        let second = Task { try await pool.submit { running.increment(); gate.wait(); return 2 } }
        // Wait until the first job is running on the pool's thread and the second is queued.
        while pool.inFlight < 2 || running.value < 1 { try await Task.sleep(for: .milliseconds(5)) }
        await #expect(throws: BlockingWorkerPool.Busy.self) {
            try await pool.submit { 3 }
        }
        #expect(running.value == 1)  // one thread: the second is queued
        gate.signal()
        gate.signal()
        #expect(try await first.value == 1)
        #expect(try await second.value == 2)
        #expect(pool.inFlight == 0)
        // Room again.
        #expect(try await pool.submit { 4 } == 4)
        try await pool.shutdown()
    }
}

/// A thread-safe counter the pool's threads can bump.
private final class Counter: Sendable {
    private let count = Mutex(0)
    func increment() { count.withLock { $0 += 1 } }
    var value: Int { count.withLock { $0 } }
}
