import Foundation
import JWTKit

/// The claims of a Gatehouse access token. Times are whole seconds since the epoch.
/// `verify(using:)` is deliberately empty: `AccessTokenService` checks the time claims with
/// its injected clock, and iss/aud against its configuration, after the signature.
public struct AccessTokenClaims: JWTPayload, Equatable {
    public var sub: String
    public var tid: String
    public var role: String
    public var sid: String
    public var iss: String
    public var aud: String
    public var iat: Int
    public var nbf: Int
    public var exp: Int
    public var jti: String

    public init(sub: String, tid: String, role: String, sid: String, iss: String, aud: String,
                iat: Int, nbf: Int, exp: Int, jti: String) {
        self.sub = sub
        self.tid = tid
        self.role = role
        self.sid = sid
        self.iss = iss
        self.aud = aud
        self.iat = iat
        self.nbf = nbf
        self.exp = exp
        self.jti = jti
    }

    public func verify(using algorithm: some JWTAlgorithm) async throws {}
}
