import Foundation
import GatehouseAuth
import GatehouseStore

/// What the Auth and Users handlers need, handed in by `buildApplication`.
struct AuthContext: Sendable {
    let accounts: any AccountRepository
    let passwords: PasswordHasher
    let tokens: AccessTokenService
    let refreshDeriver: RefreshTokenDeriver
    let throttle: any AuthThrottling
    /// Key and billing power waits for a verified email (`REQUIRE_VERIFIED_EMAIL`).
    let verifiedEmail: VerifiedEmailRule
    /// Base of links in mails (`PUBLIC_URL`, no trailing slash).
    let publicURL: String
    let throttlePerIP: Int
    let throttlePerEmail: Int
    let throttlePerEmailAnyIP: Int
    let throttleWindowSeconds: Int
    let clock: @Sendable () -> Date

    /// Refresh tokens live 30 days.
    static let refreshLifetime: TimeInterval = 30 * 24 * 3600
    /// Concurrent refreshes of one token inside this window get the same successor.
    static let refreshGrace: TimeInterval = 10
}
