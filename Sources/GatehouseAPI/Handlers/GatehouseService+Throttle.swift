import Crypto
import Foundation
import GatehouseAuth
import GatehouseCore

/// Throttling of the public auth calls, counted in Postgres so every replica shares the count.
/// Every call counts against the client (`throttleClient`: its address behind trusted proxies,
/// an IPv6 client by its /64). Calls that create accounts or send mail also count every attempt
/// per email address (`throttle(_:email:)`). Logins count per email only when they fail
/// (`reserveLoginFailure`/`refundLogin`): per email + client, with a looser cap per email from
/// any client, so neither a user's own successes nor someone else's guesses from elsewhere
/// lock a user out quickly.
extension GatehouseService {
    /// Counts one attempt from the client and one for `email`; 429 + Retry-After when either is over.
    func throttle(_ action: String, email: String) async throws {
        try await throttleClient(action)
        try await throttleHit("\(action):email:\(Self.throttleKey(email: email))", limit: auth.throttlePerEmail)
    }

    /// Counts one attempt from the client; 429 + Retry-After when it is over.
    func throttleClient(_ action: String) async throws {
        guard let client = Self.throttleClientKey() else { return }
        try await throttleHit("\(action):ip:\(client)", limit: auth.throttlePerIP)
    }

    /// Takes a place for one login of `email` in its failure buckets (429 when one is full);
    /// the returned buckets are handed back with `refundLogin` when the password was right.
    func reserveLoginFailure(email: String) async throws -> [String] {
        let emailKey = Self.throttleKey(email: email)
        let buckets = [
            ("login-fail:email-ip:\(emailKey):\(Self.throttleClientKey() ?? "-")", auth.throttlePerEmail),
            ("login-fail:email:\(emailKey)", auth.throttlePerEmailAnyIP),
        ].filter { $0.1 > 0 }
        var taken: [String] = []
        do {
            for (bucket, limit) in buckets {
                try await throttleHit(bucket, limit: limit)
                taken.append(bucket)
            }
        } catch {
            await refundLogin(taken)
            throw error
        }
        return taken
    }

    /// Gives back the places `reserveLoginFailure` took: the login succeeded.
    func refundLogin(_ buckets: [String]) async {
        for bucket in buckets {
            do {
                try await auth.throttle.refund(bucket: bucket, windowSeconds: auth.throttleWindowSeconds)
            } catch {
                requestLogger.warning("throttle refund failed", metadata: ["error": "\(error)"])
            }
        }
    }

    /// Counts one hit on `bucket` (0 = no cap); throws 429 when it is over.
    func throttleHit(_ bucket: String, limit: Int) async throws {
        guard limit > 0 else { return }
        if let retryAfter = try await auth.throttle.hit(bucket: bucket, limit: limit, windowSeconds: auth.throttleWindowSeconds) {
            throw GatehouseError(.rateLimited, "Too many attempts; retry in \(retryAfter) s.",
                                 extensions: ["retry_after_ms": .int(retryAfter * 1000)],
                                 headers: ["Retry-After": "\(retryAfter)"])
        }
    }

    /// The client as a throttle bucket: an IPv4 address or an IPv6 /64.
    static func throttleClientKey() -> String? {
        guard let ip = RequestScope.current?.clientIP else { return nil }
        return IPAddress(ip)?.clientKey ?? ip
    }

    /// An email address as a bucket name: hashed, so the table holds no addresses.
    static func throttleKey(email: String) -> String {
        Data(SHA256.hash(data: Data(email.lowercased().utf8))).base64URLEncodedString()
    }
}
