import Foundation
import GatehouseAuth
import GatehouseCore
import GatehouseTestSupport
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Access tokens: pinned EdDSA, claims, live sessions")
struct AccessTokenSecurityTests {
    private func base64URL(_ object: [String: Any]) throws -> String {
        try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]).base64URLEncodedString()
    }

    private func claims(of token: String) throws -> [String: Any] {
        let part = String(token.split(separator: ".")[1])
        return try JSONSerialization.jsonObject(with: Data(base64URLEncoded: part)!) as! [String: Any]
    }

    private func header(of token: String) throws -> [String: Any] {
        let part = String(token.split(separator: ".")[0])
        return try JSONSerialization.jsonObject(with: Data(base64URLEncoded: part)!) as! [String: Any]
    }

    private func me(_ client: some TestClientProtocol, _ token: String) async throws -> TestResponse {
        try await client.send(.get, "/api/v2/auth/me", headers: [.authorization: "Bearer \(token)"])
    }

    @Test func tokenCarriesTheContractClaimsAndHeader() async throws {
        try await TestApp.run { client in
            let user = try await TestUsers.signUp(client)
            let claims = try claims(of: user.accessToken)
            #expect(claims["sub"] as? String == user.userID.uuidString.lowercased())
            #expect(claims["tid"] as? String == user.tenantID.uuidString.lowercased())
            #expect(claims["role"] as? String == "owner")
            for name in ["sid", "iss", "aud", "jti"] { #expect(claims[name] is String, "\(name)") }
            let iat = try #require(claims["iat"] as? Int)
            #expect(claims["exp"] as? Int == iat + 1800)
            #expect(claims["nbf"] as? Int == iat)
            let header = try header(of: user.accessToken)
            #expect(header["alg"] as? String == "EdDSA")

            let jwks = try await client.send(.get, "/.well-known/jwks.json")
            #expect(jwks.status == .ok)
            let key = try #require((try jwks.json["keys"] as? [[String: Any]])?.first)
            #expect(key["kid"] as? String == header["kid"] as? String)
            #expect(key["kty"] as? String == "OKP")
            #expect(key["crv"] as? String == "Ed25519")
            #expect(Data(base64URLEncoded: key["x"] as? String ?? "")?.count == 32)
        }
    }

    @Test func tamperedTokenIsRefused() async throws {
        try await TestApp.run { client in
            let user = try await TestUsers.signUp(client)
            let member = try await TestUsers.addUser(role: .member, tenantID: user.tenantID)
            let parts = user.accessToken.split(separator: ".").map(String.init)
            // A member claims the owner role, keeping the original signature.
            var claims = try claims(of: member.accessToken)
            claims["role"] = "owner"
            let forgedPayload = [String(member.accessToken.split(separator: ".")[0]), try base64URL(claims),
                                 String(member.accessToken.split(separator: ".")[2])].joined(separator: ".")
            #expect(try await me(client, forgedPayload).status == .unauthorized)
            // Flip one character of the signature.
            var signature = Array(parts[2])
            signature[10] = signature[10] == "A" ? "B" : "A"
            let flipped = [parts[0], parts[1], String(signature)].joined(separator: ".")
            #expect(try await me(client, flipped).status == .unauthorized)
            // The untouched token still works.
            #expect(try await me(client, user.accessToken).status == .ok)
        }
    }

    @Test func algNoneIsRefused() async throws {
        try await TestApp.run { client in
            let user = try await TestUsers.signUp(client)
            let kid = try header(of: user.accessToken)["kid"] as! String
            let payload = user.accessToken.split(separator: ".")[1]
            for alg in ["none", "None", "NONE"] {
                let unsigned = "\(try base64URL(["alg": alg, "typ": "JWT", "kid": kid])).\(payload)."
                let response = try await me(client, unsigned)
                #expect(response.status == .unauthorized)
                #expect(response.errorCode == "unauthorized")
            }
        }
    }

    @Test func hs256SignedWithThePublicKeyIsRefused() async throws {
        try await TestApp.run { client in
            let user = try await TestUsers.signUp(client)
            let jwks = try await client.send(.get, "/.well-known/jwks.json")
            let key = try #require((try jwks.json["keys"] as? [[String: Any]])?.first)
            let x = try #require(key["x"] as? String)
            let kid = try #require(key["kid"] as? String)
            let signingInput = "\(try base64URL(["alg": "HS256", "typ": "JWT", "kid": kid])).\(user.accessToken.split(separator: ".")[1])"
            // The algorithm-confusion attack: the public key (as published) used as the HMAC secret.
            for secret in [x, String(decoding: Data(base64URLEncoded: x)!, as: UTF8.self)] {
                let mac = KeyHasher(pepper: secret).hash(signingInput).base64URLEncodedString()
                let response = try await me(client, "\(signingInput).\(mac)")
                #expect(response.status == .unauthorized)
            }
        }
    }

    @Test func expiredTokenIsTokenExpiredWithAnInjectedClock() async throws {
        try await TestApp.run { client in
            let user = try await TestUsers.addUser(role: .admin, tenantID: try await TestUsers.signUp(client).tenantID)
            // Minted 31 minutes ago for a live session.
            let past = try await TestUsers.signer(now: { Date().addingTimeInterval(-31 * 60) })
            let old = try await past.mint(userID: user.userID, tenantID: user.tenantID, role: .admin, sessionID: try sessionID(of: user))
            let response = try await me(client, old)
            #expect(response.status == .unauthorized)
            #expect(response.errorCode == "token_expired")
            // Minted 29 minutes ago: still fine.
            let recent = try await TestUsers.signer(now: { Date().addingTimeInterval(-29 * 60) })
                .mint(userID: user.userID, tenantID: user.tenantID, role: .admin, sessionID: try sessionID(of: user))
            #expect(try await me(client, recent).status == .ok)
        }
        // The server's own clock moved 31 minutes ahead: a fresh token has expired.
        let owner = try await TestApp.run { client in try await TestUsers.signUp(client) }
        var later = try await TestApp.configuration()
        later.clock = { Date().addingTimeInterval(31 * 60) }
        try await TestApp.run(later) { client in
            let response = try await me(client, owner.accessToken)
            #expect(response.errorCode == "token_expired")
        }
    }

    @Test func tokenFromAnotherIssuerOrNotYetValidIsRefused() async throws {
        try await TestApp.run { client in
            let user = try await TestUsers.signUp(client)
            let sid = try sessionID(of: user)
            let configuration = try await TestApp.configuration()
            let foreign = try AccessTokenService(signingKeySeed: configuration.jwtSigningKey, issuer: "https://evil.example")
            let wrongIssuer = try await foreign.mint(userID: user.userID, tenantID: user.tenantID, role: .owner, sessionID: sid)
            #expect(try await me(client, wrongIssuer).status == .unauthorized)
            let otherAudience = try AccessTokenService(signingKeySeed: configuration.jwtSigningKey, issuer: configuration.publicURL, audience: "other")
            #expect(try await me(client, try await otherAudience.mint(userID: user.userID, tenantID: user.tenantID, role: .owner, sessionID: sid)).status == .unauthorized)
            let future = try await TestUsers.signer(now: { Date().addingTimeInterval(600) })
            #expect(try await me(client, try await future.mint(userID: user.userID, tenantID: user.tenantID, role: .owner, sessionID: sid)).status == .unauthorized)
            // Another key altogether (same claims): unknown kid.
            let otherKey = try AccessTokenService(signingKeySeed: Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString(),
                                                  issuer: configuration.publicURL)
            #expect(try await me(client, try await otherKey.mint(userID: user.userID, tenantID: user.tenantID, role: .owner, sessionID: sid)).status == .unauthorized)
        }
    }

    @Test func accessTokenStopsWorkingAfterLogout() async throws {
        try await TestApp.run { client in
            let user = try await TestUsers.signUp(client)
            let second = try await client.send(.post, "/api/v2/auth/login", json: ["email": user.email, "password": user.password])
            let secondAccess = try #require(try second.json["access_token"] as? String)

            let logout = try await client.send(.post, "/api/v2/auth/logout", headers: user.authorization)
            #expect(logout.status == .noContent, "\(logout.text)")
            #expect(try await me(client, user.accessToken).status == .unauthorized)
            let refresh = try await client.send(.post, "/api/v2/auth/refresh", json: ["refresh_token": user.refreshToken])
            #expect(refresh.status == .unauthorized)
            // Local logout leaves the other session alone...
            #expect(try await me(client, secondAccess).status == .ok)
            // ...global ends it.
            let third = try await client.send(.post, "/api/v2/auth/login", json: ["email": user.email, "password": user.password])
            let thirdAccess = try #require(try third.json["access_token"] as? String)
            let global = try await client.send(.post, "/api/v2/auth/logout", json: ["scope": "global"], headers: [.authorization: "Bearer \(thirdAccess)"])
            #expect(global.status == .noContent)
            #expect(try await me(client, secondAccess).status == .unauthorized)
            #expect(try await me(client, thirdAccess).status == .unauthorized)
            let bad = try await client.send(.post, "/api/v2/auth/logout", json: ["scope": "everywhere"], headers: [.authorization: "Bearer \(thirdAccess)"])
            #expect(bad.status.code >= 400 && bad.status.code < 500)
        }
    }

    private func sessionID(of user: TestUser) throws -> UUID {
        UUID(uuidString: try claims(of: user.accessToken)["sid"] as! String)!
    }
}
