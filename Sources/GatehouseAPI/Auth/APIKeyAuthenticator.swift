import Foundation
import GatehouseAuth
import GatehouseCore
import GatehouseStore

/// Tenant API keys on the hot path: one statement (`platform_api_key_hit`) authenticates the
/// key and applies its rate limits and spend cap; this type turns the answer into the
/// `X-RateLimit-*` / `X-Cost` / `X-Spend-Period-*` headers (on refusals too) and into
/// 401 / 429 / 402 problems, and notes the call for the usage log.
struct APIKeyAuthenticator: APIKeyAuthenticating {
    let hotPath: any APIKeyHotPath
    let hasher: KeyHasher
    /// Price by endpoint label; unlisted endpoints cost 0.
    let routePrices: [String: Decimal]
    let clock: @Sendable () -> Date
    /// Keys seen admitted, so a read can travel with its hit (see `prepare`).
    let known = KeyIdentityCache()

    /// Operations with an extra rate-limit class on top of the general per-minute limit.
    static let limitClasses: [String: APIKeyLimitClass] = [
        "messagesSend": .messages,
        "sessionsCreate": .sessions,
    ]

    func authenticate(rawKey: String, operationID: String, endpoint: String) async throws -> KeyIdentity {
        let now = clock()
        let hash = hasher.hash(rawKey)
        let hit = try await hotPath.hit(
            hash: hash, now: now, cost: routePrices[endpoint] ?? 0,
            limitClass: Self.limitClasses[operationID], tenantID: nil)
        return try conclude(hit, hash: hash, endpoint: endpoint, at: now)
    }

    /// For a key admitted before: its last known identity and the hit still to send, which the
    /// request's first tenant read carries in the same flight. Nil for a key not seen yet.
    func prepare(rawKey: String, operationID: String, endpoint: String) -> (KeyIdentity, PendingAdmission)? {
        let hash = hasher.hash(rawKey)
        guard let identity = known.identity(for: hash) else { return nil }
        let now = clock()
        let admission = hotPath.pendingHit(
            hash: hash, now: now, cost: routePrices[endpoint] ?? 0,
            limitClass: Self.limitClasses[operationID], keyTenantID: identity.tenantID
        ) { hit in
            let admitted = try conclude(hit, hash: hash, endpoint: endpoint, at: now)
            RequestScope.current?.state.principal = .apiKey(admitted)
        }
        return (identity, admission)
    }

    /// Headers and the usage note for what the hit decided; the identity when admitted, else the refusal.
    private func conclude(_ hit: APIKeyHit, hash: Data, endpoint: String, at now: Date) throws -> KeyIdentity {
        let state = RequestScope.current?.state
        if let state { Self.setHeaders(hit, on: state) }
        if let keyID = hit.keyID, let tenantID = hit.tenantID,
           [.ok, .rateLimited, .spendLimitExceeded].contains(hit.outcome) {
            state?.keyUsage = KeyUsageNote(keyID: keyID, tenantID: tenantID, endpoint: endpoint, cost: hit.cost, at: now)
        }
        if [.notFound, .revoked, .inactive, .expired].contains(hit.outcome) { known.forget(hash) }
        try Self.throwIfRefused(hit)
        let identity = KeyIdentity(
            keyID: hit.keyID!, tenantID: hit.tenantID!,
            scopes: Set(hit.scopes.compactMap(Scope.init(rawValue:))),
            isTrial: hit.isTrial, allowedNumbers: hit.allowedNumbers, createdByUserID: hit.createdByUserID)
        if hit.outcome == .ok { known.remember(identity, for: hash) }
        return identity
    }

    /// Rate-limit headers (when the key has a cap) and spend headers, whenever the key was found.
    static func setHeaders(_ hit: APIKeyHit, on state: RequestState) {
        guard hit.keyID != nil else { return }
        if let limit = hit.rateLimit, limit > 0 {
            state.setHeader("X-RateLimit-Limit", String(limit))
            state.setHeader("X-RateLimit-Remaining", String(max(0, hit.rateRemaining ?? 0)))
            if let reset = hit.rateReset { state.setHeader("X-RateLimit-Reset", rfc3339(reset)) }
        }
        state.setHeader("X-Cost", money(hit.cost))
        if let used = hit.spendUsed { state.setHeader("X-Spend-Period-Used", money(used)) }
        if let limit = hit.spendLimit { state.setHeader("X-Spend-Period-Limit", money(limit)) }
        if let reset = hit.spendReset { state.setHeader("X-Spend-Period-Reset", rfc3339(reset)) }
    }

    /// The problem for a refused hit; returns for `ok`.
    static func throwIfRefused(_ hit: APIKeyHit) throws {
        switch hit.outcome {
        case .ok:
            return
        case .notFound, .revoked, .inactive, .expired:
            throw GatehouseError(.unauthorized, "The API key is not valid (unknown, revoked, deactivated or expired).")
        case .trialExpired:
            throw GatehouseError(.trialExpired, "The trial of this API key has ended.")
        case .rateLimited:
            let milliseconds = max(1, hit.retryAfterMilliseconds)
            let seconds = max(1, (milliseconds + 999) / 1000)
            var extensions: [String: ProblemValue] = ["retry_after_ms": .int(milliseconds)]
            if let which = hit.limitedBy { extensions["limit"] = .string(which) }
            let what = switch hit.limitedBy {
            case "messages": "messages per minute"
            case "sessions": "sessions created per hour"
            default: "requests per minute"
            }
            throw GatehouseError(.rateLimited, "The key's rate limit (\(what)) is reached; retry in \(seconds) s.",
                                 extensions: extensions, headers: ["Retry-After": String(seconds)])
        case .spendCounterFull:
            throw GatehouseError(.spendLimitExceeded,
                                 "This call's cost would overflow the key's spend counter for this period; it was not charged.")
        case .spendLimitExceeded:
            var extensions: [String: ProblemValue] = [
                "period_used": .string(money(hit.spendUsed ?? 0)),
                "period_limit": .string(money(hit.spendLimit ?? 0)),
            ]
            if let reset = hit.spendReset { extensions["period_reset_at"] = .string(rfc3339(reset)) }
            throw GatehouseError(.spendLimitExceeded, "The key's spend limit for this period is reached.",
                                 extensions: extensions)
        }
    }

    static func money(_ amount: Decimal) -> String {
        (Money(exactly: amount) ?? .zero).description
    }

    static func rfc3339(_ date: Date) -> String {
        // Whole seconds, UTC, `Z`: 2026-04-26T10:00:00Z.
        date.ISO8601Format()
    }
}
