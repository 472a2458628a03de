import Foundation
import GatehouseAuth
import GatehouseCore
import GatehouseStore

/// Master keys live in a platform table the server role cannot read; a narrow SECURITY DEFINER
/// function finds a non-revoked key by its HMAC.
struct MasterKeyAuthenticator: MasterKeyAuthenticating {
    let database: Database
    let hasher: KeyHasher

    func authenticate(rawKey: String) async throws -> MasterIdentity {
        let hash = hasher.hash(rawKey)
        let identity: MasterIdentity? = try await database.withPlatform { session in
            guard let row = try await session.query("SELECT id, name FROM platform_authenticate_master_key(\(hash))").first else {
                return nil
            }
            return MasterIdentity(id: try row.decode("id"), name: try row.decode("name"))
        }
        guard let identity else { throw GatehouseError(.unauthorized, "The master key is not valid.") }
        return identity
    }
}
