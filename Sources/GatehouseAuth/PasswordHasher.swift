import Foundation

/// Hashes and verifies passwords with Argon2id on a dedicated bounded worker pool.
/// `verifyDummy` spends the same work as a real verification, so an unknown email takes as
/// long as a wrong password.
public struct PasswordHasher: Sendable {
    public let parameters: Argon2Parameters
    private let workers: BlockingWorkerPool
    private let dummyHash: String

    /// Password length rules of the API (in characters; any Unicode).
    public static let lengthRange = 8...128

    public init(parameters: Argon2Parameters, workers: BlockingWorkerPool) throws {
        self.parameters = try parameters.validated()
        self.workers = workers
        // Hashed once at start-up, with the current parameters, so a dummy verification costs
        // exactly what a real one does.
        self.dummyHash = try Argon2id.hash("gatehouse-dummy-password-\(UUID())", parameters: parameters)
    }

    /// A PHC string for `password`. Throws `BlockingWorkerPool.Busy` when the pool is full.
    public func hash(_ password: String) async throws -> String {
        let parameters = self.parameters
        return try await workers.submit { try Argon2id.hash(password, parameters: parameters) }
    }

    /// Whether `password` matches `phc`. Throws `BlockingWorkerPool.Busy` when the pool is full.
    public func verify(_ password: String, phc: String) async throws -> Bool {
        try await workers.submit { Argon2id.verify(password, phc: phc) }
    }

    /// Spends one verification's worth of work and returns false.
    public func verifyDummy(_ password: String) async throws -> Bool {
        let dummy = dummyHash
        _ = try await workers.submit { Argon2id.verify(password, phc: dummy) }
        return false
    }

    /// Whether a stored hash was made with other parameters (or is not Argon2id) and should
    /// be replaced after a successful login.
    public func needsRehash(_ phc: String) -> Bool {
        Argon2Parameters(phc: phc) != parameters
    }
}
