/// One row of the operator's cross-tenant key list: the key and its sessions' totals, plus the
/// keyset position the next page starts after.
public struct ManagedKeyListing: Sendable, Equatable {
    public var key: ManagedKey
    public var sessions: ManagedKeySessionStats
    public var position: KeysetPosition

    public init(key: ManagedKey, sessions: ManagedKeySessionStats, position: KeysetPosition) {
        self.key = key
        self.sessions = sessions
        self.position = position
    }
}
