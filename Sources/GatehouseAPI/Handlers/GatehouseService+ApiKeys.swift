import Foundation
import GatehouseAuth
import GatehouseCore
import GatehouseServices
import GatehouseStore

/// Tenant self-service API keys (`account:manage`, declared in openapi.yaml), their usage, and
/// `POST /keys/verify`. Only the tenant's own self-service keys are reachable here; operator
/// managed keys and other tenants' keys are 404.
extension GatehouseService {
    static let rawKeyWarning = APIKeyService.rawKeyWarning
    static let defaultVerifyEndpoint = "POST /api/v2/keys/verify"
    /// The largest cost one verify may report: far below what the spend counters
    /// (`numeric(20,6)`) hold, so no single call can overflow them.
    static let maxVerifyCost = Decimal(1_000_000)
    /// The most tokens one verify may report in each direction (`usage_log` stores `integer`).
    static let maxVerifyTokens = 100_000_000

    /// GET /api/v2/api-keys
    func apiKeysList(_ input: Operations.ApiKeysList.Input) async throws -> Operations.ApiKeysList.Output {
        let caller = try Caller.current()
        let limit = try Self.pageLimit(input.query.limit)
        var after: String?
        if let cursor = input.query.cursor {
            guard let text = Self.decodeKeyCursor(cursor) else {
                throw GatehouseError.validation("cursor", "is not a cursor from this list")
            }
            after = text
        }
        let rows = try await keys.repository.list(
            tenantID: caller.tenantID, includeRevoked: input.query.includeRevoked ?? false,
            limit: limit + 1, after: after, reachableBy: try await keyGrantPolicy(caller), now: keys.clock())
        let page = Array(rows.prefix(limit))
        let next = rows.count > limit ? page.last.map { Self.encodeKeyCursor($0.cursor) } : nil
        return .ok(.init(body: .json(.init(items: page.map(Self.apiKey), nextCursor: next))))
    }

    /// POST /api/v2/api-keys
    func apiKeysCreate(_ input: Operations.ApiKeysCreate.Input) async throws -> Operations.ApiKeysCreate.Output {
        let caller = try Caller.current()
        guard case .json(let body) = input.body else { throw GatehouseError.invalidRequest("Send a JSON body.") }
        let (record, raw) = try await keys.issuer.create(
            tenantID: caller.tenantID,
            APIKeyService.Draft(name: body.name, scopes: body.scopes.map(\.rawValue), expiresInDays: body.expiresInDays,
                                rateLimitRPM: body.rateLimitRpm, spendLimit: body.spendLimit,
                                spendPeriod: body.spendPeriod?.rawValue),
            policy: try await keyGrantPolicy(caller), createdBy: caller.userID, actor: .currentRequest)
        requestLogger.info("api key created", metadata: ["api_key_id": "\(record.id.uuidString.lowercased())"])
        return .created(.init(body: .json(Self.created(record, raw: raw))))
    }

    /// GET /api/v2/api-keys/{id}
    func apiKeysGet(_ input: Operations.ApiKeysGet.Input) async throws -> Operations.ApiKeysGet.Output {
        let caller = try Caller.current()
        let id = try Self.keyID(input.path.id)
        guard let record = try await keys.repository.get(
            tenantID: caller.tenantID, id: id, reachableBy: try await keyGrantPolicy(caller), now: keys.clock()) else {
            throw GatehouseError.notFound("API key")
        }
        return .ok(.init(body: .json(Self.apiKey(record))))
    }

    /// PATCH /api/v2/api-keys/{id}
    func apiKeysUpdate(_ input: Operations.ApiKeysUpdate.Input) async throws -> Operations.ApiKeysUpdate.Output {
        let caller = try Caller.current()
        let id = try Self.keyID(input.path.id)
        guard case .json(let body) = input.body else { throw GatehouseError.invalidRequest("Send a JSON body.") }
        let policy = try await keyGrantPolicy(caller)
        var changes = APIKeyChanges()
        var audited: [String: AuditValue] = [:]
        if let name = body.name {
            changes.name = try APIKeyRules.name(name)
            audited["name"] = .string(changes.name!)
        }
        if let scopes = body.scopes {
            let unknown = scopes.filter { Scope(rawValue: $0) == nil }
            guard unknown.isEmpty else {
                throw GatehouseError.validation("scopes", "unknown scope: \(unknown.sorted().joined(separator: ", "))")
            }
            changes.scopes = try policy.grantableScopes(scopes)
            audited["scopes"] = .strings(changes.scopes!)
        }
        if let rpm = body.rateLimitRPM {
            changes.rateLimitRPM = try APIKeyRules.rateLimit(rpm)
            audited["rate_limit_rpm"] = .int(rpm)
        }
        if body.spendLimitPresent {
            changes.spendLimit = .some(try body.spendLimit.map(APIKeyRules.spendLimit))
            audited["spend_limit"] = .optional(body.spendLimit)
        }
        if let period = body.spendPeriod {
            changes.spendPeriod = try APIKeyRules.spendPeriod(period)
            audited["spend_period"] = .string(period)
        }
        guard let record = try await keys.issuer.update(
            tenantID: caller.tenantID, id: id, changes, audited: audited, policy: policy, actor: .currentRequest) else {
            throw GatehouseError.notFound("API key")
        }
        return .ok(.init(body: .json(Self.apiKey(record))))
    }

    /// DELETE /api/v2/api-keys/{id}
    func apiKeysRevoke(_ input: Operations.ApiKeysRevoke.Input) async throws -> Operations.ApiKeysRevoke.Output {
        let caller = try Caller.current()
        let id = try Self.keyID(input.path.id)
        guard try await keys.repository.revoke(
            tenantID: caller.tenantID, id: id, reachableBy: try await keyGrantPolicy(caller), now: keys.clock(),
            audit: .byRequest("api_key.revoke")) else {
            throw GatehouseError.notFound("API key")
        }
        requestLogger.info("api key revoked", metadata: ["revoked_api_key_id": "\(id.uuidString.lowercased())"])
        return .noContent(.init())
    }

    /// POST /api/v2/api-keys/{id}/rotate
    func apiKeysRotate(_ input: Operations.ApiKeysRotate.Input) async throws -> Operations.ApiKeysRotate.Output {
        let caller = try Caller.current()
        let id = try Self.keyID(input.path.id)
        var grace = 0
        if case .json(let body)? = input.body { grace = body.graceSeconds ?? 0 }
        let (record, raw) = try await keys.issuer.rotate(
            tenantID: caller.tenantID, id: id, graceSeconds: grace, policy: try await keyGrantPolicy(caller), actor: .currentRequest)
        requestLogger.info("api key rotated", metadata: ["rotated_api_key_id": "\(id.uuidString.lowercased())", "grace_seconds": "\(grace)"])
        return .ok(.init(body: .json(Self.created(record, raw: raw))))
    }

    /// GET /api/v2/api-keys/{id}/usage
    func apiKeysUsage(_ input: Operations.ApiKeysUsage.Input) async throws -> Operations.ApiKeysUsage.Output {
        let caller = try Caller.current()
        let id = try Self.keyID(input.path.id)
        let now = keys.clock()
        guard let record = try await keys.repository.get(
            tenantID: caller.tenantID, id: id, reachableBy: try await keyGrantPolicy(caller), now: now) else {
            throw GatehouseError.notFound("API key")
        }
        let window = UsageWindow(rawValue: (input.query.since ?? .month).rawValue) ?? .month
        let sinceDay = window.firstDay(now: now, keyCreatedAt: record.createdAt)
        let queryDay = window.queryDay(now: now, keyCreatedAt: record.createdAt)
        let summary = try await keys.usage.summary(tenantID: caller.tenantID, keyID: id, sinceDay: queryDay)
        let money = APIKeyAuthenticator.money
        return .ok(.init(body: .json(.init(
            since: sinceDay,
            totalCalls: summary.totalCalls,
            totalCost: money(summary.totalCost),
            totalTokensIn: summary.totalTokensIn,
            totalTokensOut: summary.totalTokensOut,
            byEndpoint: summary.byEndpoint.map { .init(endpoint: $0.endpoint, count: $0.count, cost: money($0.cost)) },
            byModel: summary.byModel.map {
                .init(model: $0.model, count: $0.count, tokensIn: $0.tokensIn, tokensOut: $0.tokensOut, cost: money($0.cost))
            },
            byDay: summary.byDay.map { .init(day: $0.day, count: $0.count, cost: money($0.cost)) }
        ))))
    }

    /// GET /api/v2/api-keys/{id}/recent
    func apiKeysRecent(_ input: Operations.ApiKeysRecent.Input) async throws -> Operations.ApiKeysRecent.Output {
        let caller = try Caller.current()
        let id = try Self.keyID(input.path.id)
        let limit = try Self.pageLimit(input.query.limit)
        guard try await keys.repository.get(
            tenantID: caller.tenantID, id: id, reachableBy: try await keyGrantPolicy(caller), now: keys.clock()) != nil else {
            throw GatehouseError.notFound("API key")
        }
        let calls = try await keys.usage.recent(tenantID: caller.tenantID, keyID: id, limit: limit)
        return .ok(.init(body: .json(.init(items: calls.map {
            .init(id: $0.id.uuidString.lowercased(), endpoint: $0.endpoint, statusCode: $0.statusCode,
                  cost: APIKeyAuthenticator.money($0.cost), tokensIn: $0.tokensIn, tokensOut: $0.tokensOut,
                  model: $0.model, durationMs: $0.durationMilliseconds, createdAt: $0.createdAt)
        }))))
    }

    /// POST /api/v2/keys/verify
    func keysVerify(_ input: Operations.KeysVerify.Input) async throws -> Operations.KeysVerify.Output {
        let caller = try Caller.current()
        guard case .json(let body) = input.body else { throw GatehouseError.invalidRequest("Send a JSON body.") }
        try TextLength.check(body.key, field: "key", scalars: 1...256)
        let cost = body.cost?.amount ?? 0
        guard cost >= 0, cost <= Self.maxVerifyCost else {
            throw GatehouseError.validation("cost", "must be between 0 and \(Money(exactly: Self.maxVerifyCost)!)")
        }
        if let endpoint = body.endpoint { try TextLength.check(endpoint, field: "endpoint", scalars: 1...256) }
        if let model = body.model { try TextLength.check(model, field: "model", scalars: 1...128) }
        let tokensIn = body.tokensIn ?? 0
        let tokensOut = body.tokensOut ?? 0
        guard (0...Self.maxVerifyTokens).contains(tokensIn) else {
            throw GatehouseError.validation("tokens_in", "must be between 0 and \(Self.maxVerifyTokens)")
        }
        guard (0...Self.maxVerifyTokens).contains(tokensOut) else {
            throw GatehouseError.validation("tokens_out", "must be between 0 and \(Self.maxVerifyTokens)")
        }

        guard keys.format.kind(of: body.key) == .live else {
            return .ok(.init(body: .json(.init(valid: false, code: .notFound, scopes: []))))
        }
        let now = keys.clock()
        let endpoint = body.endpoint ?? Self.defaultVerifyEndpoint
        let hit = try await keys.hotPath.hit(
            hash: keys.hasher.hash(body.key), now: now, cost: cost, limitClass: nil, tenantID: caller.tenantID)
        let code: Components.Schemas.VerifyCode = switch hit.outcome {
        case .ok: .valid
        case .notFound: .notFound
        case .revoked: .revoked
        case .inactive: .inactive
        case .expired, .trialExpired: .expired
        case .rateLimited: .rateLimited
        case .spendLimitExceeded, .spendCounterFull: .spendLimitExceeded
        }
        // Logged to the verified key's usage as a direct call would be; a refused call used
        // nothing, so its reported tokens are not counted (its cost is already 0).
        let status: Int? = switch hit.outcome {
        case .ok: 200
        case .rateLimited: 429
        case .spendLimitExceeded: 402
        default: nil
        }
        if let status, let keyID = hit.keyID, let tenantID = hit.tenantID {
            keys.recorder.record(UsageLogEntry(
                tenantID: tenantID, keyID: keyID, endpoint: endpoint, statusCode: status, cost: hit.cost,
                tokensIn: hit.outcome == .ok ? tokensIn : 0, tokensOut: hit.outcome == .ok ? tokensOut : 0,
                model: body.model, durationMilliseconds: 0, createdAt: now))
        }
        var response = Components.Schemas.VerifyResponse(
            valid: hit.outcome == .ok, code: code,
            keyId: hit.keyID?.uuidString.lowercased(), tenantId: hit.tenantID?.uuidString.lowercased(),
            scopes: hit.scopes.compactMap(Components.Schemas.Scope.init(rawValue:)))
        if hit.keyID != nil {
            response.ratelimit = .init(limit: hit.rateLimit ?? 0, remaining: max(0, hit.rateRemaining ?? 0),
                                       reset: hit.rateReset ?? now)
            response.spend = .init(used: APIKeyAuthenticator.money(hit.spendUsed ?? 0),
                                   limit: hit.spendLimit.map(APIKeyAuthenticator.money), reset: hit.spendReset)
        }
        return .ok(.init(body: .json(response)))
    }
}

// MARK: - Helpers

extension GatehouseService {
    static func keyID(_ text: String) throws -> UUID {
        // A malformed id cannot name any key: 404 like an unknown one.
        guard let id = UUID(uuidString: text) else { throw GatehouseError.notFound("API key") }
        return id
    }

    static func pageLimit(_ limit: Int?) throws -> Int {
        guard let limit else { return 50 }
        guard limit >= 1 else { throw GatehouseError.validation("limit", "must be at least 1") }
        return min(limit, 200)
    }

    /// Base64url (no padding) of the repository's keyset position.
    static func encodeKeyCursor(_ position: String) -> String {
        Data(position.utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func decodeKeyCursor(_ cursor: String) -> String? {
        var base64 = cursor.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64.append("=") }
        guard let data = Data(base64Encoded: base64), let text = String(data: data, encoding: .utf8),
              let match = text.wholeMatch(of: /([0-9]{4})-([0-9]{2})-([0-9]{2}) ([0-9]{2}):([0-9]{2}):([0-9]{2})(\.[0-9]{1,6})?\+00\|[0-9a-f-]{36}/)
        else { return nil }
        // A well-formed but impossible time (month 13, 31 April) is no position of this list either.
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = DateComponents(
            calendar: calendar, year: Int(match.1), month: Int(match.2), day: Int(match.3),
            hour: Int(match.4), minute: Int(match.5), second: Int(match.6))
        guard parts.isValidDate else { return nil }
        return text
    }

    static func apiKey(_ record: APIKeyRecord) -> Components.Schemas.ApiKey {
        .init(
            id: record.id.uuidString.lowercased(), name: record.name, keyPrefix: record.keyPrefix,
            _type: Components.Schemas.KeyType(rawValue: record.type) ?? .standard,
            scopes: record.scopes.compactMap(Components.Schemas.Scope.init(rawValue:)),
            isActive: record.isActive, expiresAt: record.expiresAt, createdAt: record.createdAt,
            lastUsedAt: record.lastUsedAt, rateLimitRpm: record.rateLimitRPM,
            spendLimit: record.spendLimit.map(APIKeyAuthenticator.money),
            spendPeriod: Components.Schemas.SpendPeriod(rawValue: record.spendPeriod) ?? .month,
            spendPeriodUsed: APIKeyAuthenticator.money(record.spendPeriodUsed),
            spendPeriodStart: record.spendPeriodStart, revokedAt: record.revokedAt)
    }

    static func created(_ record: APIKeyRecord, raw: String) -> Components.Schemas.ApiKeyCreated {
        let key = apiKey(record)
        return .init(
            id: key.id, name: key.name, keyPrefix: key.keyPrefix, _type: key._type, scopes: key.scopes,
            isActive: key.isActive, expiresAt: key.expiresAt, createdAt: key.createdAt, lastUsedAt: key.lastUsedAt,
            rateLimitRpm: key.rateLimitRpm, spendLimit: key.spendLimit, spendPeriod: key.spendPeriod,
            spendPeriodUsed: key.spendPeriodUsed, spendPeriodStart: key.spendPeriodStart, revokedAt: key.revokedAt,
            rawKey: raw, warning: rawKeyWarning)
    }
}
