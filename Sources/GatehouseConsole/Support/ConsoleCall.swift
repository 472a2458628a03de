import Foundation
import GatehouseCore
import GatehouseServices
import GatehouseStore

/// One console request as the pages see it: its form or query fields, where it came from, the
/// signed-in user (if any) and the browser's CSRF cookie.
struct ConsoleCall: Sendable {
    var path: String
    var query: FormFields
    /// The POSTed form (empty for a GET).
    var form: FormFields
    /// Where it came from: the client's IP (through `TRUSTED_PROXIES`, as the API resolves it),
    /// user agent and request id.
    var client: ClientOrigin
    var ip: String? { client.ip }
    var userAgent: String? { client.userAgent }
    /// The user of a live console session.
    var user: UserRecord?
    /// The session of `user`.
    var session: ConsoleCookie?
    /// The browser's CSRF cookie (new when it had none).
    var csrfCookie: String
    /// The token every form of this response carries.
    var csrfToken: String

    /// The signed-in user; pages behind sign-in only run when there is one.
    var signedIn: UserRecord {
        get throws {
            guard let user else { throw GatehouseError.unauthorized }
            return user
        }
    }
}
