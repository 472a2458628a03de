import Foundation
import GatehouseAPI
import GatehouseAuth
import GatehouseCore
import GatehouseStore
import GatehouseTestSupport
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Postgres
import Testing

@Suite("Auth throttling in Postgres: 429 rate_limited with Retry-After")
struct AuthThrottleTests {
    static let forwardedFor = HTTPField.Name("X-Forwarded-For")!

    /// A configuration that trusts the test client (127.0.0.1) as a proxy, so each test names its
    /// own client with `X-Forwarded-For` and gets buckets no other test touches.
    static func behindProxy() async throws -> AppConfiguration {
        var configuration = try await TestApp.configuration()
        configuration.trustedProxies = TrustedProxies([IPNetwork("127.0.0.1/32")!])
        return configuration
    }

    /// A random client address in 10/8 (not trusted here), so each test's buckets are its own.
    static func uniqueIPv4() -> String {
        "10.\(Int.random(in: 0...255)).\(Int.random(in: 0...255)).\(Int.random(in: 1...254))"
    }

    static func as_(_ ip: String) -> HTTPFields { [forwardedFor: ip] }

    @Test func loginCountsFailuresOnlyPerEmailAndClientWithALooserCapPerEmail() async throws {
        let user = try await TestApp.run { client in try await TestUsers.signUp(client) }
        var configuration = try await Self.behindProxy()
        configuration.authThrottlePerEmail = 3
        configuration.authThrottlePerEmailAnyIP = 5
        let (home, office, cafe) = (Self.uniqueIPv4(), Self.uniqueIPv4(), Self.uniqueIPv4())
        try await TestApp.run(configuration) { client in
            func login(_ password: String, from ip: String, email: String? = nil) async throws -> TestResponse {
                try await client.send(.post, "/api/v2/auth/login", json: ["email": email ?? user.email, "password": password], headers: Self.as_(ip))
            }
            // Successes do not count: far more than 3 in a row.
            for _ in 0..<6 { #expect(try await login(user.password, from: home).status == .ok) }
            // Three failures from home fill the email + home bucket: then even the right password waits there.
            for _ in 0..<3 { #expect(try await login("wrong password", from: home).status == .unauthorized) }
            let limited = try await login(user.password, from: home, email: user.email.uppercased())
            #expect(limited.status == .tooManyRequests)
            #expect(limited.errorCode == "rate_limited")
            let retryAfter = try #require(limited.headers[.retryAfter].flatMap { Int($0) })
            #expect(retryAfter >= 1)
            #expect(try limited.json["retry_after_ms"] as? Int == retryAfter * 1000)
            // Someone guessing from home does not lock the user out at the office.
            #expect(try await login(user.password, from: office).status == .ok)
            // The email-only cap (5 failures from anywhere): 2 more failures from the office reach it.
            for _ in 0..<2 { #expect(try await login("wrong password", from: office).status == .unauthorized) }
            #expect(try await login(user.password, from: cafe).status == .tooManyRequests)
            // Another email is not affected.
            #expect(try await login("whatever", from: cafe, email: TestUsers.uniqueEmail()).status == .unauthorized)
        }
    }

    @Test func forgotPasswordIsThrottledPerClientExactly() async throws {
        var configuration = try await Self.behindProxy()
        configuration.authThrottlePerIP = 3
        let (first, second) = (Self.uniqueIPv4(), Self.uniqueIPv4())
        try await TestApp.run(configuration) { client in
            var statuses: [HTTPResponse.Status] = []
            for _ in 0..<5 {
                let response = try await client.send(.post, "/api/v2/auth/forgot-password", json: ["email": TestUsers.uniqueEmail("ip")],
                                                     headers: Self.as_(first))
                statuses.append(response.status)
                if response.status == .tooManyRequests { #expect(response.headers[.retryAfter] != nil) }
            }
            #expect(statuses == [.accepted, .accepted, .accepted, .tooManyRequests, .tooManyRequests])
            // Another client behind the same proxy has its own bucket.
            let other = try await client.send(.post, "/api/v2/auth/forgot-password", json: ["email": TestUsers.uniqueEmail("ip")],
                                              headers: Self.as_(second))
            #expect(other.status == .accepted)
        }
    }

    /// Every login attempt counts against the client, whatever the email: the 4th from one
    /// client within the window is refused, another client is not.
    @Test func loginIsThrottledPerClientExactly() async throws {
        var configuration = try await Self.behindProxy()
        configuration.authThrottlePerIP = 3
        let (first, second) = (Self.uniqueIPv4(), Self.uniqueIPv4())
        try await TestApp.run(configuration) { client in
            func login(from ip: String) async throws -> HTTPResponse.Status {
                // A new email each time: only the client's bucket can fill.
                try await client.send(.post, "/api/v2/auth/login", json: ["email": TestUsers.uniqueEmail("login-ip"), "password": "wrong"],
                                      headers: Self.as_(ip)).status
            }
            var statuses: [HTTPResponse.Status] = []
            for _ in 0..<5 { statuses.append(try await login(from: first)) }
            #expect(statuses == [.unauthorized, .unauthorized, .unauthorized, .tooManyRequests, .tooManyRequests])
            #expect(try await login(from: second) == .unauthorized)
        }
    }

    @Test func anIPv6ClientIsCountedByItsSlash64() async throws {
        var configuration = try await Self.behindProxy()
        configuration.authThrottlePerIP = 2
        let prefix = String(format: "2001:db8:%x:%x", Int.random(in: 1...0xffff), Int.random(in: 1...0xffff))
        try await TestApp.run(configuration) { client in
            func forgot(_ ip: String) async throws -> HTTPResponse.Status {
                try await client.send(.post, "/api/v2/auth/forgot-password", json: ["email": TestUsers.uniqueEmail("v6")],
                                      headers: Self.as_(ip)).status
            }
            let statuses = [
                try await forgot("\(prefix)::1"),
                try await forgot("\(prefix):aaaa:bbbb:cccc:dddd"),
                // A third address in the same /64 is the same client.
                try await forgot("\(prefix):1234::99"),
                // The neighbouring /64 is another client.
                try await forgot("\(prefix.dropLast(1))\(prefix.last == "1" ? "2" : "1")::1"),
            ]
            #expect(statuses == [.accepted, .accepted, .tooManyRequests, .accepted])
        }
    }

    @Test func resetVerifyAndMagicLinkVerifyAreThrottledPerClient() async throws {
        var configuration = try await Self.behindProxy()
        configuration.authThrottlePerIP = 2
        try await TestApp.run(configuration) { client in
            for (path, body) in [("/api/v2/auth/reset-password", ["token": OpaqueToken.generate(), "new_password": "garbage password"]),
                                 ("/api/v2/auth/verify-email", ["token": OpaqueToken.generate()]),
                                 ("/api/v2/auth/magic-link/verify", ["token": OpaqueToken.generate()])] {
                let ip = Self.uniqueIPv4()
                var statuses: [HTTPResponse.Status] = []
                for _ in 0..<3 { statuses.append(try await client.send(.post, path, json: body, headers: Self.as_(ip)).status) }
                #expect(statuses == [.unauthorized, .unauthorized, .tooManyRequests], "\(path)")
            }
        }
    }
}

@Suite("Client identity behind proxies (TRUSTED_PROXIES)")
struct TrustedProxyTests {
    /// The IP recorded on the session a login opens.
    static func loginIP(_ client: some TestClientProtocol, user: TestUser, headers: HTTPFields) async throws -> String? {
        let login = try await client.send(.post, "/api/v2/auth/login", json: ["email": user.email, "password": user.password], headers: headers)
        #expect(login.status == .ok)
        let access = try #require(try login.json["access_token"] as? String)
        let claims = try await TestUsers.signer().verify(access)
        let database = Database(pool: try await TestDatabase.appPool(maxConnections: 1))
        defer { Task { await database.pool.shutdown() } }
        return try await database.withTenant(user.tenantID) { db in
            try await db.query("SELECT ip FROM auth_sessions WHERE id = \(claims.sessionID)").first!.decode("ip", as: String?.self)
        }
    }

    @Test func xForwardedForFromATrustedPeerNamesTheClient() async throws {
        let user = try await TestApp.run { client in try await TestUsers.signUp(client) }
        var configuration = try await TestApp.configuration()
        configuration.trustedProxies = try TrustedProxies.parse("10.0.0.0/8, 127.0.0.1").get()
        try await TestApp.run(configuration) { client in
            // client, then two trusted hops (a 10/8 proxy, and the peer itself): the right-most untrusted hop is the client.
            let ip = try await Self.loginIP(client, user: user, headers: [AuthThrottleTests.forwardedFor: "198.51.100.1, 203.0.113.9, 10.1.2.3"])
            #expect(ip == "203.0.113.9")
            // Two header lines are one list.
            var twoLines = HTTPFields()
            twoLines.append(HTTPField(name: AuthThrottleTests.forwardedFor, value: "203.0.113.10"))
            twoLines.append(HTTPField(name: AuthThrottleTests.forwardedFor, value: "10.9.9.9"))
            #expect(try await Self.loginIP(client, user: user, headers: twoLines) == "203.0.113.10")
            // Without the header the peer is the client.
            #expect(try await Self.loginIP(client, user: user, headers: [:]) == "127.0.0.1")
        }
    }

    @Test func xForwardedForFromAnUntrustedPeerIsIgnored() async throws {
        let user = try await TestApp.run { client in try await TestUsers.signUp(client) }
        var configuration = try await TestApp.configuration()
        configuration.trustedProxies = try TrustedProxies.parse("10.0.0.0/8").get()
        try await TestApp.run(configuration) { client in
            let ip = try await Self.loginIP(client, user: user, headers: [AuthThrottleTests.forwardedFor: "203.0.113.9"])
            #expect(ip == "127.0.0.1")
        }
        // And with no TRUSTED_PROXIES at all (the default).
        let direct = try await TestApp.run { client in
            try await Self.loginIP(client, user: user, headers: [AuthThrottleTests.forwardedFor: "203.0.113.9"])
        }
        #expect(direct == "127.0.0.1")
    }
}

@Suite("Argon2 cannot be exhausted anonymously")
struct ArgonExhaustionTests {
    @Test func seventyParallelGarbageResetsLeaveLoginsWorking() async throws {
        let user = try await TestApp.run { client in try await TestUsers.signUp(client) }
        var configuration = try await TestApp.configuration()
        // One hashing thread, a short queue, and a hash slow enough that queued hashes overlap:
        // before, 70 garbage resets each hashed their new password first and filled the queue,
        // so logins answered 503.
        configuration.argon2Threads = 1
        configuration.argon2QueueLimit = 4
        configuration.argon2Parameters = Argon2Parameters(memoryKiB: 16_384, iterations: 2, parallelism: 1)
        // The 70 requests wait for a database connection as long as they need: a 503 here must
        // mean a full hashing queue, not the pool's back-pressure on a loaded machine.
        configuration.databasePoolTimeout = .seconds(60)
        try await TestApp.run(configuration) { client in
            async let resets = client.sendConcurrently(70, .post, "/api/v2/auth/reset-password",
                                                       json: ["token": OpaqueToken.generate(), "new_password": "garbage password"])
            let login = try await client.send(.post, "/api/v2/auth/login", json: ["email": user.email, "password": user.password])
            #expect(login.status == .ok)
            let answered = try await resets
            #expect(answered.count == 70)
            #expect(answered.allSatisfy { $0.status == .unauthorized }, "\(answered.map(\.status.code))")
            let after = try await client.send(.post, "/api/v2/auth/login", json: ["email": user.email, "password": user.password])
            #expect(after.status == .ok)
        }
    }
}

@Suite("Password hashing back-pressure over HTTP")
struct PasswordHashingBusyTests {
    @Test func fullHashingQueueAnswers503WithRetryAfter() async throws {
        var configuration = try await TestApp.configuration()
        // One thread, no queue, and a hash slow enough that concurrent signups overlap.
        configuration.argon2Threads = 1
        configuration.argon2QueueLimit = 0
        configuration.argon2Parameters = Argon2Parameters(memoryKiB: 65_536, iterations: 4, parallelism: 1)
        try await TestApp.run(configuration) { client in
            let responses = try await client.sendConcurrently(6, .post, "/api/v2/auth/signup", json: [
                "email": TestUsers.uniqueEmail("busy"), "password": TestUsers.password, "full_name": "Busy", "tenant_name": "Busy Co"])
            let busy = responses.filter { $0.status == .serviceUnavailable }
            #expect(!busy.isEmpty)
            #expect(responses.contains { $0.status == .created })
            for response in busy {
                #expect(try response.json["error"] as? String == "service_unavailable")
                #expect(response.headers[.retryAfter] == "1")
            }
        }
    }
}
