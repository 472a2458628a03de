import Foundation
import GatehouseStore
import Postgres

/// Creates tenants through the tenant door, as the server does, so tests never need to bypass RLS.
public enum TestTenant {
    /// Inserts a tenant row (and its settings) and returns its id.
    @discardableResult
    public static func create(in database: Database, name: String = "Test tenant") async throws -> UUID {
        let id = UUID()
        try await database.withTenant(id) { session in
            try await session.execute("INSERT INTO tenants (id, name) VALUES (\(id), \(name))")
        }
        return id
    }
}
