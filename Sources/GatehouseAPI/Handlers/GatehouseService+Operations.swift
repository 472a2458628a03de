import Foundation
import GatehouseCore
import GatehouseStore
import OpenAPIRuntime
import Prometheus

extension GatehouseService {
    func healthLive(_ input: Operations.HealthLive.Input) async throws -> Operations.HealthLive.Output {
        .ok(.init(body: .json(.init(status: .ok))))
    }

    func healthReady(_ input: Operations.HealthReady.Input) async throws -> Operations.HealthReady.Output {
        guard await database.isReachable() else {
            throw GatehouseError(.serviceUnavailable, "database: unreachable", headers: ["Retry-After": "5"])
        }
        let names = migrations.map(\.name)
        let applied: Int
        do {
            applied = try await database.withPlatform { session in
                try await session.query(
                    "SELECT count(*) AS n FROM schema_migrations WHERE name = ANY(\(names))"
                ).first?.decode("n", as: Int.self) ?? 0
            }
        } catch {
            requestLogger.warning("readiness: cannot read schema_migrations", metadata: ["error": "\(error)"])
            applied = 0
        }
        guard applied == names.count else {
            throw GatehouseError(.serviceUnavailable, "migrations: \(names.count - applied) pending", headers: ["Retry-After": "5"])
        }
        return .ok(.init(body: .json(.init(status: .ok, checks: .init(database: .ok, migrations: .ok)))))
    }

    func metrics(_ input: Operations.Metrics.Input) async throws -> Operations.Metrics.Output {
        // Who may read it (METRICS_TOKEN, METRICS_PORT) is decided by MetricsAccessMiddleware.
        .ok(.init(body: .plainText(HTTPBody(MetricsExporter(registry: registry, pool: database.pool).render()))))
    }
}
