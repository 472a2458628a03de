import GatehouseAuth
import GatehouseCore
import GatehouseServices
import GatehouseStore
import Logging
import Postgres
import Prometheus

/// The implementation of the generated `APIProtocol`: one extension per tag in `Handlers/`.
/// It holds only `Sendable` dependencies, handed in by `buildApplication`.
struct GatehouseService: APIProtocol {
    let database: Database
    let migrations: [Migrator.Migration]
    let registry: PrometheusCollectorRegistry
    let logger: Logger
    /// Accounts, passwords, tokens and throttling (Auth and Users handlers).
    let auth: AuthContext
    /// API keys, their hot path, usage log and clock (issue 4).
    let keys: KeyServices
    /// Operator view of keys across tenants (`/admin`).
    let managedKeys: any ManagedKeyRepository
    /// Sessions and messages of the simulated channel.
    let messaging: any MessagingRepository
    /// Tenant settings and the consent ledger.
    let tenantSettings: any TenantSettingsRepository
    /// The append-only audit log (changes append to it through their repositories).
    let auditEvents: any AuditEventRepository
    /// The tenant's usage from the rollups, and the meters its services report (`/usage`).
    let usage: any UsageReportRepository
    /// What one `POST /api/v2/messages` costs (recorded on the message).
    let messagePrice: Money
    /// Plans, subscriptions, Stripe checkout/portal and the webhook receiver.
    let billing: BillingService

    /// The logger of the current request (with its request id), else the service's.
    var requestLogger: Logger { RequestScope.current?.logger ?? logger }
}
