import Foundation
import GatehouseCore
import Synchronization

/// What the last admitted hit said about a key, by its hash: lets a read with that key go out
/// together with its hit (the tenant, which never changes for a key, is all the read needs in
/// advance). Only a hint: every request is still admitted by its own hit, which refreshes or
/// drops the entry. Bounded; when full it starts over.
final class KeyIdentityCache: Sendable {
    static let capacity = 10_000
    private let identities = Mutex<[Data: KeyIdentity]>([:])

    func identity(for hash: Data) -> KeyIdentity? {
        identities.withLock { $0[hash] }
    }

    func remember(_ identity: KeyIdentity, for hash: Data) {
        identities.withLock { identities in
            if identities.count >= Self.capacity, identities[hash] == nil { identities.removeAll(keepingCapacity: true) }
            identities[hash] = identity
        }
    }

    func forget(_ hash: Data) {
        _ = identities.withLock { $0.removeValue(forKey: hash) }
    }
}
