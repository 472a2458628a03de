import Foundation
import GatehouseCore
import Postgres

/// A user row as the API shows it.
public struct UserRecord: Sendable, Equatable {
    public var id: UUID
    public var tenantID: UUID
    public var email: String
    public var fullName: String
    public var role: Role
    public var emailVerified: Bool
    public var hasPassword: Bool
    public var createdAt: Date

    /// The columns `init(row:)` reads, for SELECT lists.
    static let columns = "u.id, u.tenant_id, u.email, u.full_name, u.role, u.email_verified_at IS NOT NULL AS email_verified, u.password_hash IS NOT NULL AS has_password, u.created_at"

    init(row: PostgresRow) throws {
        id = try row.decode("id")
        tenantID = try row.decode("tenant_id")
        email = try row.decode("email")
        fullName = try row.decode("full_name")
        let roleText: String = try row.decode("role")
        role = Role(rawValue: roleText) ?? .member
        emailVerified = try row.decode("email_verified")
        hasPassword = try row.decode("has_password")
        createdAt = try row.decode("created_at")
    }
}
