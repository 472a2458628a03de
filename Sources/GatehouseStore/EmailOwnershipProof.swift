import Foundation

/// What the first proof of ownership of a never-verified email address undid
/// (`PostgresAccountRepository.proveEmailOwnership`): whatever someone who signed up with the
/// address before its owner had set up.
public struct EmailOwnershipProof: Sendable, Equatable {
    /// A password was set, and is gone.
    public var passwordCleared: Bool
    public var sessionsEnded: Int
    public var apiKeysRevoked: Int

    public init(passwordCleared: Bool, sessionsEnded: Int, apiKeysRevoked: Int) {
        self.passwordCleared = passwordCleared
        self.sessionsEnded = sessionsEnded
        self.apiKeysRevoked = apiKeysRevoked
    }
}
