import Crypto
import Foundation
import Postgres

/// What happens around every handler: for the API, Stripe's authentication, injected faults
/// and `Idempotency-Key`; for every route, errors in the right shape (Stripe's JSON or a page).
struct SimulatorPipeline: Sendable {
    let service: SimulatorService

    func handle(_ route: SimulatorRoute, _ request: SimulatorRequest) async -> SimulatorResponse {
        var request = request
        switch route.kind {
        case .page:
            do {
                return try await route.handler(service, request)
            } catch let error as SimulatorError {
                return SimulatorPages.errorPage(error.message, status: error.status)
            } catch {
                service.logger.error("stripe simulator page failed", metadata: ["path": "\(request.path)", "error": "\(error)"])
                return SimulatorPages.errorPage("Something went wrong in the Stripe simulator.", status: 500)
            }
        case .api:
            var response: SimulatorResponse
            do {
                request.account = Self.account(of: try authenticate(request))
                let fault = request.path == "/sim/faults" ? nil : try await takeFault(request)
                if let fault, !fault.afterHandling { throw SimulatorError.injectedFault(fault.status) }
                if request.method == "POST", let key = request.header("Idempotency-Key"), !key.isEmpty {
                    response = try await idempotent(key: key, route, request)
                } else {
                    response = try await run(route, request)
                }
                // The request was carried out, but its answer is "lost".
                if let fault { response = .error(.injectedFault(fault.status)) }
            } catch let error as SimulatorError {
                response = .error(error)
            } catch {
                response = .error(.internalError)
            }
            response.headers.append(("Request-Id", SimulatorID.make("req", length: 14)))
            response.headers.append(("Stripe-Version", request.header("Stripe-Version") ?? service.configuration.apiVersion))
            return response
        }
    }

    /// Runs the handler; errors become Stripe's error answers (a 500 is logged).
    private func run(_ route: SimulatorRoute, _ request: SimulatorRequest) async throws -> SimulatorResponse {
        do {
            return try await route.handler(service, request)
        } catch let error as SimulatorError {
            return .error(error)
        } catch {
            service.logger.error("stripe simulator request failed", metadata: [
                "method": "\(request.method)", "path": "\(request.path)", "error": "\(error)",
            ])
            return .error(.internalError)
        }
    }

    /// `Authorization: Bearer sk_…` (or Basic with the key as user name, as `curl -u` sends).
    /// Any secret or restricted key is accepted, and returned.
    private func authenticate(_ request: SimulatorRequest) throws(SimulatorError) -> String {
        guard let header = request.header("Authorization"), !header.isEmpty else { throw .missingAPIKey }
        var key = ""
        if header.lowercased().hasPrefix("bearer ") {
            key = String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)
        } else if header.lowercased().hasPrefix("basic "),
                  let decoded = Data(base64Encoded: String(header.dropFirst(6)).trimmingCharacters(in: .whitespaces)) {
            key = String(decoding: decoded, as: UTF8.self).split(separator: ":", omittingEmptySubsequences: false).first.map(String.init) ?? ""
        }
        guard !key.isEmpty else { throw .missingAPIKey }
        guard key.hasPrefix("sk_") || key.hasPrefix("rk_") else { throw .invalidAPIKey }
        return key
    }

    /// The caller's "account": a digest of its key (the key itself is never stored). Injected
    /// faults and idempotency keys belong to an account, as on Stripe, so callers with
    /// different keys never see each other's; objects are shared by everyone.
    static func account(of key: String) -> String {
        SHA256.hash(data: Array(key.utf8)).prefix(12).map { String(format: "%02x", $0) }.joined()
    }

    /// Takes one injected fault matching this request, if any (`POST /sim/faults`).
    private func takeFault(_ request: SimulatorRequest) async throws -> (status: Int, afterHandling: Bool)? {
        try await service.database.withPlatform { session in
            guard let row = try await session.query("""
                UPDATE stripe_sim.faults SET remaining = remaining - 1
                 WHERE id = (SELECT id FROM stripe_sim.faults
                              WHERE remaining > 0 AND account = \(request.account ?? "")
                                AND starts_with(\(request.path), path_prefix)
                                AND (method IS NULL OR method = \(request.method))
                              ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)
                RETURNING status, after_handling
                """).first else { return nil }
            return (try row.decode("status", as: Int.self), try row.decode("after_handling", as: Bool.self))
        }
    }

    /// Stripe's idempotency: the first answer to a key is stored and replayed for the same
    /// request; the same key with another method, path or parameters is a 400
    /// `idempotency_error`; while the first is still running, 409. A 5xx is not stored, so a
    /// retry runs again.
    private func idempotent(key givenKey: String, _ route: SimulatorRoute, _ request: SimulatorRequest) async throws -> SimulatorResponse {
        guard givenKey.utf8.count <= 255 else {
            throw SimulatorError.invalidRequest("Idempotency-Key must be at most 255 characters.", param: "Idempotency-Key")
        }
        let key = (request.account ?? "") + ":" + givenKey
        let fingerprint = SHA256.hash(data: Array("\(request.method) \(request.path)\n\(request.params.fingerprint)".utf8))
            .map { String(format: "%02x", $0) }.joined()
        // A claim left by a request that died mid-way (no answer after a minute) may be taken over.
        let claimed = try await service.database.withPlatform { session in
            try await session.query("""
                INSERT INTO stripe_sim.idempotency_keys AS k (key, fingerprint) VALUES (\(key), \(fingerprint))
                ON CONFLICT (key) DO UPDATE SET created_at = now()
                 WHERE k.response_status IS NULL AND k.fingerprint = excluded.fingerprint
                   AND k.created_at < now() - interval '1 minute'
                RETURNING key
                """).count == 1
        }
        if !claimed {
            guard let row = try await service.database.withPlatform({ session in
                try await session.query("""
                    SELECT fingerprint, response_status, response_body FROM stripe_sim.idempotency_keys WHERE key = \(key)
                    """).first
            }) else { throw SimulatorError.idempotencyInProgress(givenKey) }
            guard try row.decode("fingerprint", as: String.self) == fingerprint else { throw SimulatorError.idempotencyMismatch(givenKey) }
            guard let status = try row.decode("response_status", as: Int?.self),
                  let body = try row.decode("response_body", as: String?.self) else {
                throw SimulatorError.idempotencyInProgress(givenKey)
            }
            return SimulatorResponse(status: status, headers: [("Content-Type", "application/json"), ("Idempotent-Replayed", "true")],
                                     body: Array(body.utf8))
        }
        let response = try await run(route, request)
        try await service.database.withPlatform { session in
            if response.status >= 500 {
                try await session.execute("DELETE FROM stripe_sim.idempotency_keys WHERE key = \(key)")
            } else {
                try await session.execute("""
                    UPDATE stripe_sim.idempotency_keys
                       SET response_status = \(response.status), response_body = \(String(decoding: response.body, as: UTF8.self))
                     WHERE key = \(key)
                    """)
            }
        }
        return response
    }
}
