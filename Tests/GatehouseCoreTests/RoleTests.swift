import GatehouseCore
import Testing

@Suite("Roles map to the scopes of the contract")
struct RoleTests {
    @Test func ownerAndAdminHoldEveryScope() {
        #expect(Role.owner.scopes == Set(Scope.allCases))
        #expect(Role.admin.scopes == Set(Scope.allCases))
    }

    @Test func memberHoldsReadScopesAndMessagesSend() {
        #expect(Role.member.scopes == [.settingsRead, .usageRead, .billingRead, .sessionsRead, .messagesSend])
        #expect(!Role.member.scopes.contains(.accountManage))
    }
}
