import Foundation
import GatehouseAuth

/// The console's session cookie: `<tenant id>.<session id>.<secret>`. The session is a row of
/// `auth_sessions` (like the API's), found through the tenant scope; only the SHA-256 of the
/// 256-bit secret is stored.
struct ConsoleCookie: Sendable, Equatable {
    static let name = "gatehouse_console"
    /// A console session lasts at most this long after sign-in.
    static let maxAge: TimeInterval = 7 * 24 * 3600

    var tenantID: UUID
    var sessionID: UUID
    var secret: String

    var value: String { "\(tenantID.uuidString.lowercased()).\(sessionID.uuidString.lowercased()).\(secret)" }

    init(tenantID: UUID, sessionID: UUID, secret: String) {
        self.tenantID = tenantID
        self.sessionID = sessionID
        self.secret = secret
    }

    init?(value: String) {
        let parts = value.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let tenant = UUID(uuidString: String(parts[0])), let session = UUID(uuidString: String(parts[1])),
              (20...100).contains(parts[2].count) else { return nil }
        self.init(tenantID: tenant, sessionID: session, secret: String(parts[2]))
    }
}
