import Foundation
import GatehouseCore
import GatehouseStore
import OpenAPIRuntime

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
        let pool = database.pool.statistics
        registry.makeGauge(name: "gatehouse_db_pool_connections_in_use").record(Int64(pool.inUse))
        registry.makeGauge(name: "gatehouse_db_pool_connections_open").record(Int64(pool.open))
        registry.makeGauge(name: "gatehouse_db_pool_waiters").record(Int64(pool.waiting))
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return .ok(.init(body: .plainText(HTTPBody(buffer))))
    }
}
