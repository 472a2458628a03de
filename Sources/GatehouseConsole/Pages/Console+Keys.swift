import Foundation
import GatehouseCore
import GatehouseServices
import GatehouseStore

/// The keys list, creating a key (its raw value shown once), revoking and rotating.
extension Console {
    func keysPage(_ call: ConsoleCall) async throws -> ConsoleResponse {
        let user = try call.signedIn
        let canManage = permits("apiKeysList", user.role)
        var context: [String: Any] = ["canManage": canManage]
        if canManage {
            let now = keys.clock()
            let records = try await keys.repository.list(tenantID: user.tenantID, includeRevoked: true, limit: 200, after: nil,
                                                          reachableBy: try keyPolicy(user), now: now)
            context["keys"] = records.map { keyRow($0, now: now) }
            context["hasKeys"] = !records.isEmpty
        }
        let notice: String? = switch call.query["done"] {
        case "revoked": "The key was revoked. Calls with it are refused."
        case "signed-up": "Welcome! We sent a link to \(user.email): open it to confirm your address."
        default: nil
        }
        return .page(templates.page("keys", title: "API keys", call: call, section: .keys, notice: notice, context))
    }

    func newKeyPage(_ call: ConsoleCall) async throws -> ConsoleResponse {
        let user = try require("apiKeysCreate", call)
        return newKeyForm(call, user: user, form: FormFields("rate_limit_rpm=\(APIKeyRules.defaultRateLimitRPM)&spend_period=month"))
    }

    func createKey(_ call: ConsoleCall) async throws -> ConsoleResponse {
        let user = try require("apiKeysCreate", call)
        do {
            // The API's rule (403 email_not_verified there): no key before the email is proven.
            try await accounts.verifiedEmail.requireVerified(userID: user.id, tenantID: user.tenantID)
            let draft = APIKeyService.Draft(
                name: call.form["name"] ?? "", scopes: call.form.all("scopes"),
                expiresInDays: try Self.optionalInteger(call.form, "expires_in_days"),
                rateLimitRPM: try Self.optionalInteger(call.form, "rate_limit_rpm"),
                spendLimit: try Self.optionalMoney(call.form, "spend_limit"),
                spendPeriod: call.form.text("spend_period"))
            let (record, raw) = try await keys.create(tenantID: user.tenantID, draft, policy: try keyPolicy(user), createdBy: user.id,
                                                      actor: auditActor(call))
            logger.info("api key created in the console", metadata: ["api_key_id": "\(record.id.uuidString.lowercased())"])
            return rawKeyPage(call, record: record, raw: raw, heading: "Your new key", graceUntil: nil)
        } catch let error as GatehouseError where [.validationFailed, .forbidden, .emailNotVerified].contains(error.code) {
            let (summary, fields) = ConsoleFormat.problem(error)
            return newKeyForm(call, user: user, form: call.form, problem: summary, errors: fields, status: error.code.status)
        }
    }

    func revokeConfirmPage(_ call: ConsoleCall, id: String) async throws -> ConsoleResponse {
        let user = try require("apiKeysRevoke", call)
        let record = try await key(id, of: user)
        return .page(templates.page("revokeConfirm", title: "Revoke \(record.name)", call: call, section: .keys, [
            "id": record.id.uuidString.lowercased(), "name": record.name, "prefix": record.keyPrefix,
        ]))
    }

    func revokeKey(_ call: ConsoleCall, id: String) async throws -> ConsoleResponse {
        let user = try require("apiKeysRevoke", call)
        let keyID = try Self.keyID(id)
        guard try await keys.repository.revoke(tenantID: user.tenantID, id: keyID, reachableBy: try keyPolicy(user), now: keys.clock(),
                                               audit: AuditEvent(actor: auditActor(call), action: "api_key.revoke")) else {
            throw GatehouseError.notFound("API key")
        }
        logger.info("api key revoked in the console", metadata: ["revoked_api_key_id": "\(keyID.uuidString.lowercased())"])
        return .redirect("/console/keys?done=revoked")
    }

    func rotateKey(_ call: ConsoleCall, id: String) async throws -> ConsoleResponse {
        let user = try require("apiKeysRotate", call)
        let keyID = try Self.keyID(id)
        let grace = Int(call.form["grace_seconds"] ?? "0") ?? -1
        do {
            try await accounts.verifiedEmail.requireVerified(userID: user.id, tenantID: user.tenantID)
        } catch let error as GatehouseError where error.code == .emailNotVerified {
            let record = try await key(id, of: user)
            return .page(try await keyDetail(call, user: user, record: record, problem: error.detail), status: error.code.status)
        }
        let (record, raw) = try await keys.rotate(tenantID: user.tenantID, id: keyID, graceSeconds: grace,
                                                  policy: try keyPolicy(user), actor: auditActor(call))
        logger.info("api key rotated in the console", metadata: ["rotated_api_key_id": "\(keyID.uuidString.lowercased())"])
        let until = grace > 0 ? ConsoleFormat.time(keys.clock().addingTimeInterval(Double(grace))) : nil
        return rawKeyPage(call, record: record, raw: raw, heading: "The key's new secret", graceUntil: until)
    }

    // MARK: - Helpers

    /// The signed-in user, if their role may call `operationID`; else 403.
    func require(_ operationID: String, _ call: ConsoleCall) throws -> UserRecord {
        let user = try call.signedIn
        guard permits(operationID, user.role) else {
            throw GatehouseError(.forbidden, "Your role (\(user.role.rawValue)) may not do this.")
        }
        return user
    }

    /// One of the tenant's own self-service keys, else 404 (another tenant's id included).
    func key(_ id: String, of user: UserRecord) async throws -> APIKeyRecord {
        guard let record = try await keys.repository.get(tenantID: user.tenantID, id: try Self.keyID(id),
                                                         reachableBy: try keyPolicy(user), now: keys.clock()) else {
            throw GatehouseError.notFound("API key")
        }
        return record
    }

    /// The key-management rule for a signed-in user: owners and admins reach every key.
    func keyPolicy(_ user: UserRecord) throws -> KeyGrantPolicy {
        guard user.role.isManager else { throw GatehouseError(.forbidden, "Only owners and admins manage keys.") }
        return KeyGrantPolicy(grantor: .manager)
    }

    /// Who the audit log names for a console change: the signed-in user, from this browser.
    func auditActor(_ call: ConsoleCall) -> AuditActor {
        guard let user = call.user, let session = call.session else {
            return AuditActor(kind: .system, id: nil, ip: call.ip, userAgent: call.userAgent, requestID: call.client.requestID)
        }
        let identity = UserIdentity(userID: user.id, tenantID: user.tenantID, role: user.role, sessionID: session.sessionID)
        return AuditActor(.user(identity), ip: call.ip, userAgent: call.userAgent, requestID: call.client.requestID)
    }

    static func keyID(_ text: String) throws -> UUID {
        guard let id = UUID(uuidString: text) else { throw GatehouseError.notFound("API key") }
        return id
    }

    static func optionalInteger(_ form: FormFields, _ field: String) throws -> Int? {
        guard let text = form.text(field) else { return nil }
        guard let value = Int(text) else { throw GatehouseError.validation(field, "must be a whole number") }
        return value
    }

    static func optionalMoney(_ form: FormFields, _ field: String) throws -> Money? {
        guard let text = form.text(field) else { return nil }
        guard let money = Money(string: text) else {
            throw GatehouseError.validation(field, "must be an amount such as 25 or 12.50 (at most 6 decimals)")
        }
        return money
    }

    static func status(of record: APIKeyRecord, now: Date) -> (text: String, cssClass: String) {
        if record.revokedAt != nil { return ("Revoked", "revoked") }
        if let expires = record.expiresAt, expires <= now { return ("Expired", "expired") }
        if !record.isActive { return ("Inactive", "inactive") }
        return ("Active", "active")
    }

    func keyRow(_ record: APIKeyRecord, now: Date) -> [String: Any] {
        let status = Self.status(of: record, now: now)
        var row: [String: Any] = [
            "id": record.id.uuidString.lowercased(), "name": record.name, "prefix": record.keyPrefix, "scopes": record.scopes,
            "lastUsed": record.lastUsedAt.map(ConsoleFormat.time) ?? "never",
            "rateLimit": ConsoleFormat.rateLimit(record.rateLimitRPM),
            "status": status.text, "statusClass": status.cssClass,
        ]
        let used = ConsoleFormat.money(record.spendPeriodUsed)
        let period = ConsoleFormat.periodName(record.spendPeriod)
        if let limit = record.spendLimit {
            var bar = ConsoleFormat.bar(used: record.spendPeriodUsed, limit: limit,
                                        label: "\(used) of \(ConsoleFormat.money(limit)) this \(period)")
            bar["text"] = "\(used) / \(ConsoleFormat.money(limit)) per \(period)"
            row["spend"] = bar
        } else {
            row["spend"] = ["text": "\(used) · no cap", "noBar": true] as [String: Any]
        }
        return row
    }

    private func newKeyForm(_ call: ConsoleCall, user: UserRecord, form: FormFields, problem: String? = nil,
                            errors: [String: String] = [:], status: Int = 200) -> ConsoleResponse {
        let chosen = Set(form.all("scopes"))
        let scopes = user.role.scopes.sorted().map { scope -> [String: Any] in
            ["name": scope.rawValue, "description": Self.scopeDescriptions[scope] ?? "", "checked": chosen.contains(scope.rawValue)]
        }
        let fields: [String: String] = ["name": form["name"] ?? "", "expires_in_days": form["expires_in_days"] ?? "",
                                        "rate_limit_rpm": form["rate_limit_rpm"] ?? "", "spend_limit": form["spend_limit"] ?? ""]
        // Said before the form is filled in, not only after it is sent.
        let unverified = accounts.verifiedEmail.isEnforced && !user.emailVerified
        return .page(templates.page("newKey", title: "Create an API key", call: call, section: .keys,
                                    notice: unverified && problem == nil ? VerifiedEmailRule.notVerified.detail : nil, problem: problem, [
            "form": fields, "scopes": scopes, "errors": errors,
            "periods": ConsoleFormat.periodOptions(selected: form["spend_period"] ?? "month"),
        ]), status: status)
    }

    private func rawKeyPage(_ call: ConsoleCall, record: APIKeyRecord, raw: String, heading: String, graceUntil: String?) -> ConsoleResponse {
        var context: [String: Any] = ["heading": heading, "warning": APIKeyService.rawKeyWarning, "name": record.name,
                                      "raw": raw, "id": record.id.uuidString.lowercased()]
        if let graceUntil { context["graceUntil"] = graceUntil }
        return .page(templates.page("rawKey", title: heading, call: call, section: .keys, context), status: 201)
    }

    static let scopeDescriptions: [Scope: String] = [
        .accountManage: "manage API keys",
        .settingsRead: "read tenant settings", .settingsManage: "change tenant settings",
        .usageRead: "read usage", .usageWrite: "report usage",
        .billingRead: "read billing", .billingManage: "change plan and billing",
        .sessionsRead: "read messaging sessions", .sessionsManage: "create and end sessions",
        .messagesSend: "send messages", .keysVerify: "verify other keys",
    ]
}
