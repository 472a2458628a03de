import Crypto
import Foundation
import GatehouseCore
import JWTKit

/// Mints and verifies access tokens: EdDSA (Ed25519) JWTs signed with the key derived from
/// `JWT_SIGNING_KEY` (a 32-byte seed), with a key id (`kid`) that is a short hash of the public
/// key, published at `/.well-known/jwks.json`. Verification is pinned to EdDSA and to our key
/// ids: `alg: none`, HS256 (the classic "public key as HMAC secret" switch) and unknown keys are
/// refused before any signature work. The clock is injected (tests move it).
public struct AccessTokenService: Sendable {
    /// Access tokens live 30 minutes.
    public static let lifetime: TimeInterval = 1800

    public let issuer: String
    public let audience: String
    public let keyID: String
    /// base64url of the raw Ed25519 public key (the JWK `x`).
    public let publicKeyX: String
    private let keys: LazyKeyCollection
    private let now: @Sendable () -> Date
    private let leeway: TimeInterval

    public struct InvalidKey: Error, CustomStringConvertible {
        public let description: String
    }

    /// - Parameter signingKeySeed: standard base64 of 32 random bytes.
    public init(signingKeySeed: String, issuer: String, audience: String = "gatehouse",
                leeway: TimeInterval = 5, now: @escaping @Sendable () -> Date = { Date() }) throws {
        guard let seed = Data(base64Encoded: signingKeySeed.trimmingCharacters(in: .whitespacesAndNewlines)), seed.count == 32 else {
            throw InvalidKey(description: "JWT_SIGNING_KEY must be standard base64 of exactly 32 bytes (openssl rand -base64 32)")
        }
        let privateKey = try Curve25519.Signing.PrivateKey(rawRepresentation: seed)
        let publicRaw = privateKey.publicKey.rawRepresentation
        self.keyID = String(Data(SHA256.hash(data: publicRaw)).base64URLEncodedString().prefix(16))
        self.publicKeyX = publicRaw.base64URLEncodedString()
        self.issuer = issuer
        self.audience = audience
        self.leeway = leeway
        self.now = now
        self.keys = LazyKeyCollection(key: EdDSA.PrivateKey(backing: privateKey), kid: JWKIdentifier(string: keyID))
    }

    /// A signed access token for a user's session.
    public func mint(userID: UUID, tenantID: UUID, role: Role, sessionID: UUID) async throws -> String {
        let issuedAt = Int(now().timeIntervalSince1970)
        let claims = AccessTokenClaims(
            sub: userID.uuidString.lowercased(), tid: tenantID.uuidString.lowercased(), role: role.rawValue,
            sid: sessionID.uuidString.lowercased(), iss: issuer, aud: audience,
            iat: issuedAt, nbf: issuedAt, exp: issuedAt + Int(Self.lifetime), jti: UUID().uuidString.lowercased())
        return try await keys.get().sign(claims, kid: JWKIdentifier(string: keyID))
    }

    /// Why a token was refused.
    public enum Failure: Error, Sendable, Equatable {
        case malformed
        case algorithmNotAllowed
        case unknownKey
        case badSignature
        case wrongIssuerOrAudience
        case expired
        case notYetValid
    }

    /// The verified identity in `token`; it does not check that the session is live (the
    /// caller does, in the database).
    public func verify(_ token: String) async throws(Failure) -> UserIdentity {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard token.count <= 4096, parts.count == 3,
              let headerData = Data(base64URLEncoded: String(parts[0])),
              let header = try? JSONSerialization.jsonObject(with: headerData) as? [String: Any] else {
            throw .malformed
        }
        guard header["alg"] as? String == "EdDSA" else { throw .algorithmNotAllowed }
        guard header["kid"] as? String == keyID else { throw .unknownKey }
        let claims: AccessTokenClaims
        do {
            claims = try await keys.get().verify(token, as: AccessTokenClaims.self)
        } catch {
            throw .badSignature
        }
        guard claims.iss == issuer, claims.aud == audience else { throw .wrongIssuerOrAudience }
        let current = now().timeIntervalSince1970
        guard current < TimeInterval(claims.exp) + leeway else { throw .expired }
        guard current + leeway >= TimeInterval(claims.nbf) else { throw .notYetValid }
        guard let userID = UUID(uuidString: claims.sub), let tenantID = UUID(uuidString: claims.tid),
              let sessionID = UUID(uuidString: claims.sid), let role = Role(rawValue: claims.role) else {
            throw .malformed
        }
        return UserIdentity(userID: userID, tenantID: tenantID, role: role, sessionID: sessionID)
    }

    /// The JWK of the signing key (RFC 8037 OKP).
    public var jwk: [String: String] {
        ["kty": "OKP", "crv": "Ed25519", "x": publicKeyX, "kid": keyID, "alg": "EdDSA", "use": "sig"]
    }
}

/// jwt-kit's key collection is an actor filled asynchronously; this builds it on first use so
/// the service itself can be created synchronously at start-up.
private actor LazyKeyCollection {
    private let key: EdDSA.PrivateKey
    private let kid: JWKIdentifier
    private var collection: JWTKeyCollection?

    init(key: EdDSA.PrivateKey, kid: JWKIdentifier) {
        self.key = key
        self.kid = kid
    }

    func get() async -> JWTKeyCollection {
        if let collection { return collection }
        let made = JWTKeyCollection()
        await made.add(eddsa: key, kid: kid)
        collection = collection ?? made
        return collection!
    }
}
