import Crypto
import Foundation

/// Keys are stored only as HMAC-SHA256(`KEY_PEPPER`, key): a database leak alone does not let
/// anyone recompute or test keys. Lookups are by this hash (an index on it), so comparison
/// happens inside Postgres on a value the client cannot choose freely.
public struct KeyHasher: Sendable {
    private let pepper: SymmetricKey

    public init(pepper: String) {
        self.pepper = SymmetricKey(data: Data(pepper.utf8))
    }

    public func hash(_ raw: String) -> Data {
        Data(HMAC<SHA256>.authenticationCode(for: Data(raw.utf8), using: pepper))
    }
}
