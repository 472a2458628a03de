import Crypto
import Foundation

/// Derives the successor of a refresh token from the token itself with a server secret:
/// successor = base64url(HMAC-SHA256(secret, "refresh-successor:" + token)). Two concurrent
/// refreshes of the same token inside the grace period can therefore both be answered with the
/// same successor although only hashes are stored; without the secret, a stolen used token
/// does not reveal its successor.
public struct RefreshTokenDeriver: Sendable {
    private let key: SymmetricKey

    public init(secret: Data) {
        self.key = SymmetricKey(data: SHA256.hash(data: Data("gatehouse-refresh-successor-key".utf8) + secret))
    }

    public func successor(of token: String) -> String {
        Data(HMAC<SHA256>.authenticationCode(for: Data("refresh-successor:\(token)".utf8), using: key))
            .base64URLEncodedString()
    }
}
