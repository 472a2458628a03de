import Foundation

/// Who may manage which self-service keys, and with what limits: the one rule behind every
/// `/api-keys` route (and the console's key pages), free of HTTP and storage.
///
/// - An owner or admin (signed in, not a key) manages every self-service key of the tenant.
/// - A key holding `account:manage` reaches (reads, changes, rotates, revokes) only keys whose
///   scopes are a subset of its own, grants only scopes it holds, never sets a limit looser
///   than its own, never receives the new secret of a key with looser limits (a rotation), and
///   never changes its own limits.
/// - An operator-managed key (made through `/admin`) never makes or leaves a key without a
///   rate cap: its own limits are the operator's, which a self-service key cannot carry.
public struct KeyGrantPolicy: Sendable, Equatable {
    public enum Grantor: Sendable, Equatable {
        /// An owner or admin with a session.
        case manager
        /// An API key: its id, scopes and limits, and whether the operator made it.
        case key(id: UUID, scopes: Set<Scope>, limits: KeyLimits, managed: Bool)
    }

    public let grantor: Grantor

    public init(grantor: Grantor) {
        self.grantor = grantor
    }

    /// The most scopes a key reachable by this grantor may hold (sorted); nil: any key.
    public var scopeCeiling: [String]? {
        guard case .key(_, let scopes, _, _) = grantor else { return nil }
        return scopes.map(\.rawValue).sorted()
    }

    /// Whether a key holding `scopes` is reachable.
    public func mayReach(keyScopes scopes: [String]) -> Bool {
        guard let ceiling = scopeCeiling else { return true }
        return Set(scopes).isSubset(of: ceiling)
    }

    /// `requested`, sorted and without repeats, if every scope is known and the grantor holds it.
    public func grantableScopes(_ requested: [String]) throws -> [String] {
        let held: Set<Scope> = switch grantor {
        case .manager: Set(Scope.allCases)
        case .key(_, let scopes, _, _): scopes
        }
        var result: [String] = []
        for name in requested where !result.contains(name) {
            guard let scope = Scope(rawValue: name) else {
                throw GatehouseError.validation("scopes", "unknown scope: \(name)")
            }
            guard held.contains(scope) else {
                throw GatehouseError.validation("scopes", "you cannot grant a scope you do not hold: \(name)")
            }
            result.append(name)
        }
        return result.sorted()
    }

    /// Checks the limits of a key whose secret is about to be handed over: a new key, or a
    /// rotated one (whose new secret would otherwise carry limits looser than the grantor's).
    public func checkNewKey(_ limits: KeyLimits) throws {
        try checkRate(limits.rateLimitRPM)
        try checkSpend(limit: limits.spendLimit, period: limits.spendPeriod)
    }

    /// Checks a change of key `id`'s limits from `current` to `proposed`. Only what changes is
    /// held against the grantor's own limits, so renaming a key the owner gave wider limits stays possible.
    public func checkChange(ofKey id: UUID, from current: KeyLimits, to proposed: KeyLimits) throws {
        guard case .key(let grantorID, _, _, _) = grantor, current != proposed else { return }
        if id == grantorID {
            throw GatehouseError(.forbidden, "A key cannot change its own limits; ask an owner or admin.")
        }
        if proposed.rateLimitRPM != current.rateLimitRPM { try checkRate(proposed.rateLimitRPM) }
        if proposed.spendLimit != current.spendLimit || proposed.spendPeriod != current.spendPeriod {
            try checkSpend(limit: proposed.spendLimit, period: proposed.spendPeriod)
        }
    }

    private func checkRate(_ rpm: Int) throws {
        guard case .key(_, _, let own, let managed) = grantor else { return }
        if managed && rpm == 0 {
            throw Self.looser("rate_limit_rpm", "a key made by the operator cannot create a key without a rate limit")
        }
        if own.rateLimitRPM > 0 && (rpm == 0 || rpm > own.rateLimitRPM) {
            throw Self.looser("rate_limit_rpm", "must be between 1 and your key's own limit (\(own.rateLimitRPM))")
        }
    }

    private func checkSpend(limit: Decimal?, period: String) throws {
        guard case .key(_, _, let own, _) = grantor, let ownLimit = own.spendLimit else { return }
        guard let limit, limit <= ownLimit else {
            throw Self.looser("spend_limit", "must be set and at most your key's own spend limit (\(ownLimit) per \(own.spendPeriod))")
        }
        let order = KeyLimits.periodsByLength
        guard (order.firstIndex(of: period) ?? 0) >= (order.firstIndex(of: own.spendPeriod) ?? order.count) else {
            throw Self.looser("spend_period", "must be at least as long as your key's own (\(own.spendPeriod))")
        }
    }

    private static func looser(_ field: String, _ message: String) -> GatehouseError {
        GatehouseError(.forbidden, "\(field): \(message)", fieldErrors: [.init(field: field, message: message)])
    }
}
