import Foundation
import GatehouseAuth
import GatehouseCore
import GatehouseStore

/// The operator's API (`/admin`): master keys only (the auth middleware refuses every other
/// credential before these run). Cross-tenant reads use narrow platform functions; each change
/// runs inside the key's tenant scope (see `PostgresManagedKeyRepository`).
extension GatehouseService {
    /// Trial keys: what they get unless the operator says otherwise.
    enum TrialDefaults {
        static let rateLimitGeneral = 50
        static let rateLimitMessages = 10
        static let rateLimitSessions = 2
        static let maxSessions = 1
        static let restrictions = "This trial key can only send messages to the specified numbers"
    }

    static let maxMetadataBytes = 8 * 1024
    static let keyWarning = "Save this API key now: the raw key will not be shown again."

    /// GET /api/v2/admin/api-keys
    func adminKeysList(_ input: Operations.AdminKeysList.Input) async throws -> Operations.AdminKeysList.Output {
        let limit = try KeysetPaging.limit(input.query.limit)
        let after = try KeysetPaging.position(input.query.cursor)
        let page = try await managedKeys.list(
            includeInactive: input.query.includeInactive ?? false,
            type: input.query._type?.rawValue,
            limit: limit, after: after)
        return .ok(.init(body: .json(.init(
            items: try page.items.map { try Self.adminKey($0.key) },
            nextCursor: page.hasMore ? page.items.last?.position.cursor : nil))))
    }

    /// POST /api/v2/admin/api-keys
    func adminKeysCreate(_ input: Operations.AdminKeysCreate.Input) async throws -> Operations.AdminKeysCreate.Output {
        guard case .json(let body) = input.body else { throw GatehouseError.invalidRequest("Send a JSON body.") }
        let name = try Self.checkName(body.name)
        var tenantID: UUID?
        if let text = body.tenantId {
            guard let id = UUID(uuidString: text) else { throw GatehouseError.validation("tenant_id", "must be a UUID") }
            tenantID = id
        }
        let general = try Self.checkCount(body.rateLimitGeneral, field: "rate_limit_general", minimum: 0)
        let messages = try Self.checkCount(body.rateLimitMessages, field: "rate_limit_messages", minimum: 0)
        let sessions = try Self.checkCount(body.rateLimitSessions, field: "rate_limit_sessions", minimum: 0)
        let maxSessions = try Self.checkCount(body.maxSessions, field: "max_sessions", minimum: 1)
        let metadata = try body.metadata.map(Self.metadataJSON) ?? "{}"
        let isAdmin = body.isAdmin ?? false
        let raw = keys.format.generate(.live)
        let key = try await managedKeys.create(ManagedKeyDraft(
            tenantID: tenantID, newTenantName: name, name: name,
            keyHash: keys.hasher.hash(raw), keyPrefix: KeyFormat.displayPrefix(of: raw),
            type: body._type.rawValue, scopes: Self.managedScopes(isAdmin: isAdmin), isAdmin: isAdmin,
            trialDays: nil, allowedNumbers: [],
            rateLimitGeneral: general ?? PostgresManagedKeyRepository.PaidDefaults.rateLimitGeneral,
            rateLimitMessages: Self.capOrNil(messages ?? PostgresManagedKeyRepository.PaidDefaults.rateLimitMessages),
            rateLimitSessions: Self.capOrNil(sessions ?? PostgresManagedKeyRepository.PaidDefaults.rateLimitSessions),
            maxSessions: maxSessions ?? PostgresManagedKeyRepository.PaidDefaults.maxSessions,
            metadataJSON: metadata),
            audit: .byRequest("api_key.create", changes: [
                "name": .string(name), "type": .string(body._type.rawValue), "is_admin": .bool(isAdmin),
                "rate_limit_general": .optional(general), "rate_limit_messages": .optional(messages),
                "rate_limit_sessions": .optional(sessions), "max_sessions": .optional(maxSessions),
                "managed": true]))
        requestLogger.info("admin created a managed key", metadata: [
            "api_key_id": .string(key.id.uuidString.lowercased()), "tenant_id": .string(key.tenantID.uuidString.lowercased())])
        return .created(.init(body: .json(.init(
            apiKey: try Self.adminKeyWithSecret(key, raw: raw), warning: Self.keyWarning))))
    }

    /// POST /api/v2/admin/api-keys/trial
    func adminKeysCreateTrial(_ input: Operations.AdminKeysCreateTrial.Input) async throws -> Operations.AdminKeysCreateTrial.Output {
        guard case .json(let body) = input.body else { throw GatehouseError.invalidRequest("Send a JSON body.") }
        let name = try Self.checkName(body.name)
        guard (1...365).contains(body.trialDays) else { throw GatehouseError.validation("trial_days", "must be 1 to 365") }
        guard !body.allowedNumbers.isEmpty else {
            throw GatehouseError.validation("allowed_numbers", "must name at least one number")
        }
        try PhoneNumberRule.checkList(body.allowedNumbers, field: "allowed_numbers")
        let messages = try Self.checkCount(body.rateLimitMessages, field: "rate_limit_messages", minimum: 0)
        let maxSessions = try Self.checkCount(body.maxSessions, field: "max_sessions", minimum: 1)
        let raw = keys.format.generate(.live)
        let key = try await managedKeys.create(ManagedKeyDraft(
            tenantID: nil, newTenantName: name, name: "Trial: " + name,
            keyHash: keys.hasher.hash(raw), keyPrefix: KeyFormat.displayPrefix(of: raw),
            type: "standard", scopes: Self.managedScopes(isAdmin: false), isAdmin: false,
            trialDays: body.trialDays, allowedNumbers: body.allowedNumbers,
            rateLimitGeneral: TrialDefaults.rateLimitGeneral,
            rateLimitMessages: Self.capOrNil(messages ?? TrialDefaults.rateLimitMessages),
            rateLimitSessions: TrialDefaults.rateLimitSessions,
            maxSessions: maxSessions ?? TrialDefaults.maxSessions,
            metadataJSON: "{}"),
            audit: .byRequest("api_key.create", changes: [
                "name": .string("Trial: " + name), "trial_days": .int(body.trialDays),
                "rate_limit_messages": .optional(messages), "max_sessions": .optional(maxSessions), "managed": true,
            ].merging(AuditValue.listed("allowed_numbers", body.allowedNumbers)) { $1 }))
        requestLogger.info("admin created a trial key", metadata: [
            "api_key_id": .string(key.id.uuidString.lowercased()), "tenant_id": .string(key.tenantID.uuidString.lowercased())])
        return .created(.init(body: .json(.init(
            apiKey: try Self.adminKeyWithSecret(key, raw: raw),
            trialInfo: .init(expiresAt: key.trialExpiresAt ?? key.createdAt, allowedNumbers: key.allowedNumbers,
                             restrictions: TrialDefaults.restrictions)))))
    }

    /// GET /api/v2/admin/api-keys/{id}
    func adminKeysGet(_ input: Operations.AdminKeysGet.Input) async throws -> Operations.AdminKeysGet.Output {
        let id = try Self.adminKeyID(input.path.id)
        guard let key = try await managedKeys.key(id: id) else { throw GatehouseError.notFound("API key") }
        return .ok(.init(body: .json(try Self.adminKey(key))))
    }

    /// PUT /api/v2/admin/api-keys/{id}
    func adminKeysUpdate(_ input: Operations.AdminKeysUpdate.Input) async throws -> Operations.AdminKeysUpdate.Output {
        let id = try Self.adminKeyID(input.path.id)
        guard case .json(let body) = input.body else { throw GatehouseError.invalidRequest("Send a JSON body.") }
        let changes = ManagedKeyChanges(
            name: try body.name.map(Self.checkName),
            rateLimitGeneral: try Self.checkCount(body.rateLimitGeneral, field: "rate_limit_general", minimum: 0),
            rateLimitMessages: try Self.checkCount(body.rateLimitMessages, field: "rate_limit_messages", minimum: 0),
            rateLimitSessions: try Self.checkCount(body.rateLimitSessions, field: "rate_limit_sessions", minimum: 0),
            maxSessions: try Self.checkCount(body.maxSessions, field: "max_sessions", minimum: 1),
            metadataJSON: try body.metadata.map(Self.metadataJSON))
        guard let key = try await managedKeys.update(id: id, changes, audit: .byRequest("api_key.update", changes: Self.audited(changes)))
        else { throw GatehouseError.notFound("API key") }
        return .ok(.init(body: .json(try Self.adminKey(key))))
    }

    /// DELETE /api/v2/admin/api-keys/{id}
    func adminKeysDelete(_ input: Operations.AdminKeysDelete.Input) async throws -> Operations.AdminKeysDelete.Output {
        let id = try Self.adminKeyID(input.path.id)
        guard try await managedKeys.delete(id: id, audit: .byRequest("api_key.delete")) else { throw GatehouseError.notFound("API key") }
        requestLogger.info("admin deleted a key permanently", metadata: ["api_key_id": .string(id.uuidString.lowercased())])
        return .noContent(.init())
    }

    /// PUT /api/v2/admin/api-keys/{id}/rate-limits
    func adminKeysUpdateRateLimits(_ input: Operations.AdminKeysUpdateRateLimits.Input) async throws
        -> Operations.AdminKeysUpdateRateLimits.Output {
        let id = try Self.adminKeyID(input.path.id)
        guard case .json(let body) = input.body else { throw GatehouseError.invalidRequest("Send a JSON body.") }
        let changes = ManagedKeyChanges(
            rateLimitGeneral: try Self.checkCount(body.general, field: "general", minimum: 0),
            rateLimitMessages: try Self.checkCount(body.messages, field: "messages", minimum: 0),
            rateLimitSessions: try Self.checkCount(body.sessions, field: "sessions", minimum: 0))
        guard let key = try await managedKeys.update(id: id, changes, audit: .byRequest("api_key.update", changes: Self.audited(changes)))
        else { throw GatehouseError.notFound("API key") }
        return .ok(.init(body: .json(try Self.adminKey(key))))
    }

    /// POST /api/v2/admin/api-keys/{id}/deactivate
    func adminKeysDeactivate(_ input: Operations.AdminKeysDeactivate.Input) async throws -> Operations.AdminKeysDeactivate.Output {
        let id = try Self.adminKeyID(input.path.id)
        guard let key = try await managedKeys.setActive(id: id, false, audit: .byRequest("api_key.deactivate")) else { throw GatehouseError.notFound("API key") }
        return .ok(.init(body: .json(try Self.adminKey(key))))
    }

    /// POST /api/v2/admin/api-keys/{id}/activate
    func adminKeysActivate(_ input: Operations.AdminKeysActivate.Input) async throws -> Operations.AdminKeysActivate.Output {
        let id = try Self.adminKeyID(input.path.id)
        guard let key = try await managedKeys.setActive(id: id, true, audit: .byRequest("api_key.activate")) else { throw GatehouseError.notFound("API key") }
        return .ok(.init(body: .json(try Self.adminKey(key))))
    }

    /// POST /api/v2/admin/api-keys/{id}/extend-trial
    func adminKeysExtendTrial(_ input: Operations.AdminKeysExtendTrial.Input) async throws -> Operations.AdminKeysExtendTrial.Output {
        let id = try Self.adminKeyID(input.path.id)
        guard case .json(let body) = input.body else { throw GatehouseError.invalidRequest("Send a JSON body.") }
        guard (1...365).contains(body.days) else { throw GatehouseError.validation("days", "must be 1 to 365") }
        guard let key = try await managedKeys.extendTrial(
            id: id, days: body.days, audit: .byRequest("api_key.extend_trial", changes: ["days": .int(body.days)])) else { throw GatehouseError.notFound("API key") }
        return .ok(.init(body: .json(try Self.adminKey(key))))
    }

    /// POST /api/v2/admin/api-keys/{id}/convert-to-paid
    func adminKeysConvertToPaid(_ input: Operations.AdminKeysConvertToPaid.Input) async throws -> Operations.AdminKeysConvertToPaid.Output {
        let id = try Self.adminKeyID(input.path.id)
        guard case .json(let body) = input.body else { throw GatehouseError.invalidRequest("Send a JSON body.") }
        let conversion = ManagedKeyConversion(
            type: body._type.rawValue,
            rateLimitGeneral: try Self.checkCount(body.rateLimitGeneral, field: "rate_limit_general", minimum: 0),
            rateLimitMessages: try Self.checkCount(body.rateLimitMessages, field: "rate_limit_messages", minimum: 0),
            maxSessions: try Self.checkCount(body.maxSessions, field: "max_sessions", minimum: 1))
        guard let key = try await managedKeys.convertToPaid(id: id, conversion, audit: .byRequest("api_key.convert_to_paid", changes: [
            "type": .string(conversion.type), "rate_limit_general": .optional(conversion.rateLimitGeneral),
            "rate_limit_messages": .optional(conversion.rateLimitMessages), "max_sessions": .optional(conversion.maxSessions)]))
        else { throw GatehouseError.notFound("API key") }
        return .ok(.init(body: .json(try Self.adminKey(key))))
    }

    /// GET /api/v2/admin/usage
    func adminUsage(_ input: Operations.AdminUsage.Input) async throws -> Operations.AdminUsage.Output {
        let totals = try await managedKeys.totals()
        var keys: [Components.Schemas.AdminUsageKey] = []
        var after: KeysetPosition?
        repeat {
            let page = try await managedKeys.list(includeInactive: true, type: nil, limit: 500, after: after)
            keys += page.items.map { listing in
                .init(id: listing.key.id.uuidString.lowercased(), name: listing.key.name,
                      _type: Self.keyType(listing.key), isActive: Self.isActive(listing.key),
                      sessionStats: .init(sessions: listing.sessions.totalSessions, messagesSent: listing.sessions.messagesSent),
                      lastUsedAt: listing.key.lastUsedAt)
            }
            after = page.hasMore ? page.items.last?.position : nil
        } while after != nil
        return .ok(.init(body: .json(.init(
            stats: .init(
                totalKeys: totals.totalKeys, activeKeys: totals.activeKeys, trialKeys: totals.trialKeys,
                adminKeys: totals.adminKeys, totalSessions: totals.totalSessions,
                totalMessagesSent: totals.totalMessagesSent,
                keysByType: .init(standard: totals.standardKeys, premium: totals.premiumKeys, trial: totals.trialKeys)),
            keys: keys))))
    }

    /// GET /api/v2/admin/api-keys/{id}/usage
    func adminKeyUsage(_ input: Operations.AdminKeyUsage.Input) async throws -> Operations.AdminKeyUsage.Output {
        let id = try Self.adminKeyID(input.path.id)
        guard let usage = try await managedKeys.sessionUsage(id: id) else { throw GatehouseError.notFound("API key") }
        return .ok(.init(body: .json(.init(
            apiKey: .init(id: usage.key.id.uuidString.lowercased(), name: usage.key.name, _type: Self.keyType(usage.key)),
            usage: .init(totalSessions: usage.stats.totalSessions, activeSessions: usage.stats.activeSessions,
                         totalMessagesSent: usage.stats.messagesSent, totalMessagesReceived: usage.stats.messagesReceived),
            sessions: usage.sessions.map(Self.sessionBody)))))
    }

    // MARK: - Checks and presentation

    /// What an operator's change sets, for the audit log (metadata is the customer's: only that it changed).
    static func audited(_ changes: ManagedKeyChanges) -> [String: AuditValue] {
        var audited: [String: AuditValue] = [:]
        if let name = changes.name { audited["name"] = .string(name) }
        if let value = changes.rateLimitGeneral { audited["rate_limit_general"] = .int(value) }
        if let value = changes.rateLimitMessages { audited["rate_limit_messages"] = .int(value) }
        if let value = changes.rateLimitSessions { audited["rate_limit_sessions"] = .int(value) }
        if let value = changes.maxSessions { audited["max_sessions"] = .int(value) }
        if changes.metadataJSON != nil { audited["metadata_changed"] = true }
        return audited
    }

    /// Managed keys hold the member scopes plus `sessions:manage`; admin keys hold every tenant scope.
    static func managedScopes(isAdmin: Bool) -> [String] {
        let scopes = isAdmin ? Set(Scope.allCases) : Role.member.scopes.union([.sessionsManage])
        return scopes.sorted().map(\.rawValue)
    }

    static func adminKeyID(_ text: String) throws -> UUID {
        // An id that is not a UUID names no key.
        guard let id = UUID(uuidString: text) else { throw GatehouseError.notFound("API key") }
        return id
    }

    static func checkName(_ name: String) throws -> String {
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        try TextLength.check(trimmed, field: "name", scalars: 1...64)
        guard !trimmed.unicodeScalars.contains(where: { CharacterSet.controlCharacters.contains($0) }) else {
            throw GatehouseError.validation("name", "must not contain control characters")
        }
        return trimmed
    }

    static func checkCount(_ value: Int?, field: String, minimum: Int) throws -> Int? {
        guard let value else { return nil }
        guard value >= minimum, value <= 1_000_000_000 else {
            throw GatehouseError.validation(field, "must be an integer from \(minimum) to 1000000000")
        }
        return value
    }

    /// Per-class limits: 0 means no cap, stored as NULL.
    static func capOrNil(_ value: Int) -> Int? { value == 0 ? nil : value }

    static func metadataJSON(_ metadata: Components.Schemas.Metadata) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(metadata)
        guard data.count <= maxMetadataBytes else {
            throw GatehouseError.validation("metadata", "must be at most 8 KB when serialized (it is \(data.count) bytes)")
        }
        return String(decoding: data, as: UTF8.self)
    }

    static func keyType(_ key: ManagedKey) -> Components.Schemas.KeyType {
        key.isTrial ? .trial : (Components.Schemas.KeyType(rawValue: key.type) ?? .standard)
    }

    static func isActive(_ key: ManagedKey) -> Bool { key.isActive && key.revokedAt == nil }

    static func adminKey(_ key: ManagedKey) throws -> Components.Schemas.AdminKey {
        .init(
            id: key.id.uuidString.lowercased(), tenantId: key.tenantID.uuidString.lowercased(), name: key.name,
            keyPrefix: key.keyPrefix, _type: keyType(key), isAdmin: key.isAdmin, isActive: isActive(key),
            isTrial: key.isTrial, trialExpiresAt: key.trialExpiresAt, allowedNumbers: key.allowedNumbers,
            rateLimits: .init(general: key.rateLimitGeneral, messages: key.rateLimitMessages ?? 0,
                              sessions: key.rateLimitSessions ?? 0),
            maxSessions: key.maxSessions,
            metadata: try JSONDecoder().decode(Components.Schemas.Metadata.self, from: Data(key.metadataJSON.utf8)),
            usage: .init(messagesSent: key.messagesSent, sessionsCreated: key.sessionsCreated),
            createdAt: key.createdAt, lastUsedAt: key.lastUsedAt)
    }

    static func adminKeyWithSecret(_ key: ManagedKey, raw: String) throws -> Components.Schemas.AdminKeyWithSecret {
        let plain = try adminKey(key)
        return .init(
            id: plain.id, tenantId: plain.tenantId, name: plain.name, keyPrefix: plain.keyPrefix, _type: plain._type,
            isAdmin: plain.isAdmin, isActive: plain.isActive, isTrial: plain.isTrial, trialExpiresAt: plain.trialExpiresAt,
            allowedNumbers: plain.allowedNumbers, rateLimits: plain.rateLimits, maxSessions: plain.maxSessions,
            metadata: plain.metadata, usage: plain.usage, createdAt: plain.createdAt, lastUsedAt: plain.lastUsedAt,
            key: raw)
    }
}
