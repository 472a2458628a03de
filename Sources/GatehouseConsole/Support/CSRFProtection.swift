import Crypto
import Foundation
import GatehouseAuth

/// Cross-site request forgery protection for every console form: each browser holds a random
/// `gatehouse_csrf` cookie, and each form carries the HMAC of that cookie under a server
/// secret. A POST is accepted only when the field matches the cookie it came with, compared
/// in constant time. (SameSite=Lax cookies are a second fence.)
struct CSRFProtection: Sendable {
    static let cookieName = "gatehouse_csrf"
    static let fieldName = "csrf"
    let key: SymmetricKey

    init(secret: Data) {
        key = SymmetricKey(data: SHA256.hash(data: Data("gatehouse-console-csrf".utf8) + secret))
    }

    /// The form token for a browser's CSRF cookie.
    func token(for cookie: String) -> String {
        Data(HMAC<SHA256>.authenticationCode(for: Data(cookie.utf8), using: key)).base64URLEncodedString()
    }

    /// Whether `presented` is the token of `cookie`.
    func isValid(_ presented: String?, cookie: String?) -> Bool {
        guard let presented, let cookie, !cookie.isEmpty, let mac = Data(base64URLEncoded: presented) else { return false }
        return HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: Data(cookie.utf8), using: key)
    }
}
