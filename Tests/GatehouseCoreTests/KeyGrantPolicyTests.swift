import Foundation
import GatehouseCore
import Testing

/// The key-management rule on its own (no HTTP, no database), as the console uses it.
@Suite("KeyGrantPolicy")
struct KeyGrantPolicyTests {
    static let own = KeyLimits(rateLimitRPM: 60, spendLimit: 10, spendPeriod: "week")
    static let keyID = UUID()
    static let key = KeyGrantPolicy(grantor: .key(id: keyID, scopes: [.accountManage, .usageRead], limits: own, managed: false))
    static let manager = KeyGrantPolicy(grantor: .manager)

    static func refusedField(_ body: () throws -> Void) -> String? {
        do {
            try body()
            return nil
        } catch let error as GatehouseError {
            return error.fieldErrors.first?.field ?? error.code.rawValue
        } catch {
            return "\(error)"
        }
    }

    @Test func managersReachEverythingAndKeysOnlyTheirSubsets() {
        #expect(Self.manager.scopeCeiling == nil)
        #expect(Self.manager.mayReach(keyScopes: Scope.allCases.map(\.rawValue)))
        #expect(Self.key.scopeCeiling == ["account:manage", "usage:read"])
        #expect(Self.key.mayReach(keyScopes: ["usage:read"]))
        #expect(Self.key.mayReach(keyScopes: []))
        #expect(!Self.key.mayReach(keyScopes: ["usage:read", "billing:manage"]))
    }

    @Test func scopesAreGrantedOnlyWhenHeld() throws {
        #expect(try Self.key.grantableScopes(["usage:read", "account:manage", "usage:read"]) == ["account:manage", "usage:read"])
        #expect(Self.refusedField { _ = try Self.key.grantableScopes(["billing:read"]) } == "scopes")
        #expect(Self.refusedField { _ = try Self.key.grantableScopes(["no:such"]) } == "scopes")
        #expect(try Self.manager.grantableScopes(["billing:manage"]) == ["billing:manage"])
    }

    @Test func newKeysAreNeverLooserThanTheGrantor() {
        func check(_ rpm: Int, _ spend: Decimal?, _ period: String) -> String? {
            Self.refusedField { try Self.key.checkNewKey(KeyLimits(rateLimitRPM: rpm, spendLimit: spend, spendPeriod: period)) }
        }
        #expect(check(60, 10, "week") == nil)
        #expect(check(1, 0, "forever") == nil)
        #expect(check(0, 10, "week") == "rate_limit_rpm")
        #expect(check(61, 10, "week") == "rate_limit_rpm")
        #expect(check(60, nil, "week") == "spend_limit")
        #expect(check(60, 10.5, "week") == "spend_limit")
        #expect(check(60, 10, "day") == "spend_period")
        #expect(Self.refusedField { try Self.manager.checkNewKey(KeyLimits(rateLimitRPM: 0, spendLimit: nil, spendPeriod: "day")) } == nil)
    }

    @Test func anUncappedKeyMayGrantAnythingButAManagedOneNeverNoRateCap() {
        let uncapped = KeyLimits(rateLimitRPM: 0, spendLimit: nil, spendPeriod: "month")
        let free = KeyGrantPolicy(grantor: .key(id: UUID(), scopes: [.accountManage], limits: uncapped, managed: false))
        let managed = KeyGrantPolicy(grantor: .key(id: UUID(), scopes: [.accountManage], limits: uncapped, managed: true))
        #expect(Self.refusedField { try free.checkNewKey(uncapped) } == nil)
        #expect(Self.refusedField { try managed.checkNewKey(uncapped) } == "rate_limit_rpm")
        #expect(Self.refusedField { try managed.checkNewKey(KeyLimits(rateLimitRPM: 5000, spendLimit: nil, spendPeriod: "month")) } == nil)
    }

    @Test func changesAreHeldAgainstTheGrantorAndItsOwnLimitsAreFrozen() {
        let other = UUID()
        let wide = KeyLimits(rateLimitRPM: 1000, spendLimit: nil, spendPeriod: "month")
        // Unchanged limits pass even when wider than the grantor's (a rename).
        #expect(Self.refusedField { try Self.key.checkChange(ofKey: other, from: wide, to: wide) } == nil)
        // Only the changed dimension is checked.
        #expect(Self.refusedField {
            try Self.key.checkChange(ofKey: other, from: wide, to: KeyLimits(rateLimitRPM: 30, spendLimit: nil, spendPeriod: "month"))
        } == nil)
        #expect(Self.refusedField {
            try Self.key.checkChange(ofKey: other, from: wide, to: KeyLimits(rateLimitRPM: 1000, spendLimit: 20, spendPeriod: "month"))
        } == "spend_limit")
        #expect(Self.refusedField {
            try Self.key.checkChange(ofKey: Self.keyID, from: Self.own, to: KeyLimits(rateLimitRPM: 30, spendLimit: 10, spendPeriod: "week"))
        } == "forbidden")
        #expect(Self.refusedField { try Self.key.checkChange(ofKey: Self.keyID, from: Self.own, to: Self.own) } == nil)
        #expect(Self.refusedField { try Self.manager.checkChange(ofKey: other, from: Self.own, to: wide) } == nil)
    }
}
