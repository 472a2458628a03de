import Foundation
import GatehouseCore

/// Account power waits for proof that the account's holder owns its email address: until the
/// email is verified, an account may not create or rotate API keys or start a paid checkout.
/// Otherwise someone could sign up as `victim@corp.com`, mint an all-scope key, and keep it
/// after the real owner takes the account over (account pre-takeover).
///
/// The one place this is decided: the API handlers, the billing checkout and the console's
/// key pages all call `requireVerified(userID:tenantID:)`. `REQUIRE_VERIFIED_EMAIL=false`
/// turns it off (development only).
public struct VerifiedEmailRule: Sendable {
    /// Whether the rule is enforced (`REQUIRE_VERIFIED_EMAIL`, default true).
    public let isEnforced: Bool
    let accounts: any AccountRepository

    public init(isEnforced: Bool, accounts: any AccountRepository) {
        self.isEnforced = isEnforced
        self.accounts = accounts
    }

    /// Throws 403 `email_not_verified` unless the user behind the call has verified their email.
    /// `userID` is the signed-in user, or the creator of the calling API key; nil (a key the
    /// operator made, with no user behind it) passes: the operator vouches for that tenant.
    public func requireVerified(userID: UUID?, tenantID: UUID) async throws {
        guard isEnforced, let userID else { return }
        guard try await accounts.isEmailVerified(userID: userID, tenantID: tenantID) == true else {
            throw Self.notVerified
        }
    }

    /// The refusal, for callers that already know the state.
    public static let notVerified = GatehouseError(
        .emailNotVerified,
        "Verify your email address first: follow the link we mailed you (or request a sign-in link) before creating API keys or paying.")
}
