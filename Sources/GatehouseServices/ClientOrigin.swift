import Foundation

/// Where an unauthenticated request came from, for throttling and the audit log: the client's
/// address (behind trusted proxies, the one `X-Forwarded-For` names), user agent and request id.
public struct ClientOrigin: Sendable, Equatable {
    public var ip: String?
    public var userAgent: String?
    public var requestID: String?

    public init(ip: String? = nil, userAgent: String? = nil, requestID: String? = nil) {
        self.ip = ip
        self.userAgent = userAgent
        self.requestID = requestID
    }
}
