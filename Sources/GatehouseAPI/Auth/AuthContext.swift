import Foundation
import GatehouseAuth
import GatehouseServices
import GatehouseStore

/// What the Auth and Users handlers need, handed in by `buildApplication`. The account rules
/// (sign-in, throttling, one-time links) are in `AccountService`, shared with the console.
struct AuthContext: Sendable {
    let service: AccountService
    let tokens: AccessTokenService
    let refreshDeriver: RefreshTokenDeriver

    var accounts: any AccountRepository { service.accounts }
    var passwords: PasswordHasher { service.passwords }
    var clock: @Sendable () -> Date { service.clock }

    /// Refresh tokens live 30 days.
    static let refreshLifetime = AccountService.refreshLifetime
    /// Concurrent refreshes of one token inside this window get the same successor.
    static let refreshGrace: TimeInterval = 10
}
