import Foundation

/// What is needed to open an auth session with its first refresh token.
public struct NewSession: Sendable {
    /// SHA-256 of the first refresh token.
    public var refreshTokenHash: Data
    public var refreshTokenExpiresAt: Date
    public var ip: String?
    public var userAgent: String?
    /// SHA-256 of the console cookie's secret, for a session opened by the web console.
    public var consoleSecretHash: Data?

    public init(refreshTokenHash: Data, refreshTokenExpiresAt: Date, ip: String?, userAgent: String?,
                consoleSecretHash: Data? = nil) {
        self.refreshTokenHash = refreshTokenHash
        self.refreshTokenExpiresAt = refreshTokenExpiresAt
        self.ip = ip
        self.userAgent = userAgent
        self.consoleSecretHash = consoleSecretHash
    }
}
