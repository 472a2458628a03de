import Foundation
import GatehouseAuth
import GatehouseCore
import GatehouseStore
import GatehouseTestSupport
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Postgres

/// A signed-in user for tests.
struct TestUser: Sendable {
    var accessToken: String
    var refreshToken: String
    var userID: UUID
    var tenantID: UUID
    var email: String
    var password: String
    var role: Role

    /// `Authorization: Bearer <access token>`.
    var authorization: HTTPFields { [.authorization: "Bearer \(accessToken)"] }
}

/// Fixtures for users: through the real signup, or inserted directly (any role) with a token
/// minted by the same signer and key as the test server.
enum TestUsers {
    static let password = "correct horse battery staple"

    /// A unique email address.
    static func uniqueEmail(_ label: String = "user") -> String {
        "\(label)-\(UUID().uuidString.prefix(12).lowercased())@example.com"
    }

    /// Signs up a new tenant and owner through `POST /api/v2/auth/signup`.
    static func signUp(_ client: some TestClientProtocol, email: String? = nil, password: String = TestUsers.password) async throws -> TestUser {
        let email = email ?? uniqueEmail("owner")
        let body: [String: Any] = ["email": email, "password": password, "full_name": "Test Owner", "tenant_name": "Test Co"]
        return try await client.execute(uri: "/api/v2/auth/signup", method: .post, headers: [.contentType: "application/json"],
                                        body: ByteBuffer(data: try JSONSerialization.data(withJSONObject: body))) { response in
            guard response.status == .created else {
                throw FixtureError(description: "signup answered \(response.status): \(response.text)")
            }
            return try TestUser(pair: response.json, email: email, password: password)
        }
    }

    /// Inserts a user with `role` into `tenantID` (through the tenant door), opens an auth
    /// session for it and mints an access token the test server accepts. The refresh token is
    /// real too. The user's password is `TestUsers.password`. `now` is the token's clock (a test
    /// server on a `TestClock` needs a token minted on it).
    static func addUser(role: Role, tenantID: UUID, now: @escaping @Sendable () -> Date = { Date() }) async throws -> TestUser {
        let database = Database(pool: try await TestDatabase.appPool(maxConnections: 1))
        defer { Task { await database.pool.shutdown() } }
        let email = uniqueEmail(role.rawValue)
        let hash = try Argon2id.hash(password, parameters: TestApp.argon2Parameters)
        let refreshToken = OpaqueToken.generate()
        let (userID, sessionID): (UUID, UUID) = try await database.withTenant(tenantID) { db in
            let row = try await db.query("""
                INSERT INTO users (tenant_id, email, full_name, role, password_hash, email_verified_at)
                VALUES (\(tenantID), \(email), \("Test \(role.rawValue)"), \(role.rawValue), \(hash), now())
                RETURNING id
                """)
            let userID: UUID = try row.first!.decode("id")
            let sessionID = try await PostgresAccountRepository.insertSession(
                db, tenantID: tenantID, userID: userID,
                session: NewSession(refreshTokenHash: OpaqueToken.hash(refreshToken),
                                    refreshTokenExpiresAt: Date().addingTimeInterval(30 * 24 * 3600), ip: nil, userAgent: "tests"))
            return (userID, sessionID)
        }
        let token = try await signer(now: now).mint(userID: userID, tenantID: tenantID, role: role, sessionID: sessionID)
        return TestUser(accessToken: token, refreshToken: refreshToken, userID: userID, tenantID: tenantID,
                        email: email, password: password, role: role)
    }

    /// The test server's token service (same key, issuer and audience), optionally with another clock.
    static func signer(now: @escaping @Sendable () -> Date = { Date() }) async throws -> AccessTokenService {
        let configuration = try await TestApp.configuration()
        return try AccessTokenService(signingKeySeed: configuration.jwtSigningKey, issuer: configuration.publicURL, now: now)
    }

    struct FixtureError: Error, CustomStringConvertible {
        let description: String
    }
}

extension TestUser {
    /// From a token pair JSON answer.
    init(pair: [String: Any], email: String, password: String) throws {
        guard let access = pair["access_token"] as? String, let refresh = pair["refresh_token"] as? String,
              let user = pair["user"] as? [String: Any],
              let id = (user["id"] as? String).flatMap(UUID.init(uuidString:)),
              let tenant = (user["tenant_id"] as? String).flatMap(UUID.init(uuidString:)),
              let role = (user["role"] as? String).flatMap(Role.init(rawValue:)) else {
            throw TestUsers.FixtureError(description: "not a token pair: \(pair)")
        }
        self.init(accessToken: access, refreshToken: refresh, userID: id, tenantID: tenant, email: email, password: password, role: role)
    }
}
