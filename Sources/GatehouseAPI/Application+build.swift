import Foundation
import GatehouseAuth
import GatehouseBilling
import GatehouseConsole
import GatehouseCore
import GatehouseServices
import GatehouseStore
public import Hummingbird
public import Logging
import OpenAPIHummingbird
import OpenAPIRuntime
import Postgres
import Prometheus
import ServiceLifecycle

/// Builds the whole server from its configuration: the one place that wires dependencies.
/// `gatehouse serve` calls it; so do the end-to-end tests.
public func buildApplication(
    configuration: AppConfiguration,
    logger: Logger = Logger(label: "gatehouse")
) throws -> some ApplicationProtocol {
    var logger = logger
    logger.logLevel = configuration.logLevel

    let pool = PostgresPool(
        configuration: try PostgresConfiguration(
            url: configuration.databaseURL,
            maxConnections: configuration.databasePoolSize,
            acquireTimeout: configuration.databasePoolTimeout,
            usesPreparedStatements: configuration.databasePreparedStatements
        ),
        logger: logger
    )
    let database = Database(pool: pool)
    let migrations = try Migrator.load(directory: configuration.migrationsDirectory)
    let registry = PrometheusCollectorRegistry()

    let usageRecorder = UsageRecorder(
        repository: PostgresUsageLogRepository(database: database),
        capacity: configuration.usageQueueCapacity,
        interval: configuration.usageFlushInterval,
        registry: registry,
        logger: logger
    )

    let router = Router(context: AppRequestContext.self)
    router.middlewares.add(RequestScopeMiddleware(trustedProxies: configuration.trustedProxies))
    router.middlewares.add(UsageLogMiddleware(recorder: usageRecorder))
    router.middlewares.add(HTTPMetricsMiddleware(registry: registry))
    router.middlewares.add(ProblemMiddleware())
    router.middlewares.add(BodyLimitMiddleware(maxBytes: configuration.maxBodyBytes))
    router.middlewares.add(MetricsAccessMiddleware<AppRequestContext>(
        servedElsewhere: configuration.metricsPort != nil, token: configuration.metricsToken))

    let workers = BlockingWorkerPool(threads: configuration.argon2Threads, queueLimit: configuration.argon2QueueLimit)
    let accounts = PostgresAccountRepository(database: database)
    let accountService = AccountService(
        accounts: accounts,
        passwords: try PasswordHasher(parameters: configuration.argon2Parameters, workers: workers),
        throttle: PostgresAuthThrottle(database: database),
        verifiedEmail: VerifiedEmailRule(isEnforced: configuration.requireVerifiedEmail, accounts: accounts),
        publicURL: configuration.publicURL,
        throttlePerIP: configuration.authThrottlePerIP,
        throttlePerEmail: configuration.authThrottlePerEmail,
        throttlePerEmailAnyIP: configuration.authThrottlePerEmailAnyIP,
        throttleWindowSeconds: configuration.authThrottleWindowSeconds,
        clock: configuration.clock
    )
    let authContext = AuthContext(
        service: accountService,
        tokens: try AccessTokenService(signingKeySeed: configuration.jwtSigningKey, issuer: configuration.publicURL,
                                       now: configuration.clock),
        refreshDeriver: RefreshTokenDeriver(secret: Data((configuration.jwtSigningKey + configuration.keyPepper).utf8))
    )
    let mailWorker = MailWorker(
        outbox: PostgresMailOutboxRepository(database: database),
        transport: try makeMailTransport(configuration.mailTransport, smtpTLS: configuration.smtpTLS,
                                         smtpCAFile: configuration.smtpCAFile, logger: logger),
        from: configuration.mailFrom,
        pollInterval: configuration.mailPollInterval,
        logger: logger,
        retention: configuration.mailRetention
    )

    let keyFormat = KeyFormat(prefix: configuration.keyPrefix)
    let keyHasher = KeyHasher(pepper: configuration.keyPepper)
    let keyRepository = PostgresAPIKeyRepository(database: database)
    let usageLog = PostgresUsageLogRepository(database: database)
    let keyIssuer = APIKeyService(format: keyFormat, hasher: keyHasher, repository: keyRepository, clock: configuration.clock)
    let keyServices = KeyServices(
        format: keyFormat,
        hasher: keyHasher,
        hotPath: PostgresAPIKeyHotPath(database: database),
        repository: keyRepository,
        issuer: keyIssuer,
        usage: usageLog,
        recorder: usageRecorder,
        routePrices: configuration.routePrices,
        clock: configuration.clock
    )
    let authenticators = Authenticators(
        bearer: JWTBearerVerifier(tokens: authContext.tokens, accounts: accounts),
        apiKey: APIKeyAuthenticator(
            hotPath: keyServices.hotPath, hasher: keyHasher,
            routePrices: configuration.routePrices, clock: configuration.clock),
        master: MasterKeyAuthenticator(database: database, hasher: keyHasher)
    )
    let policies = try OperationPolicy.load(specPath: configuration.openAPISpecPath)
    let auth = AuthMiddleware(
        policies: policies,
        authenticators: authenticators,
        keyFormat: keyFormat,
        routePrices: configuration.routePrices,
        clock: configuration.clock
    )

    let usageReports = PostgresUsageReportRepository(database: database)
    let billing = BillingService(
        repository: PostgresBillingRepository(database: database),
        accounts: accounts,
        usage: usageReports,
        verifiedEmail: accountService.verifiedEmail,
        stripe: StripeClient(apiBase: URL(string: configuration.resolvedStripeAPIBase)!,
                             secretKey: configuration.stripeSecretKey ?? AppConfiguration.simulatorSecretKey,
                             timeout: configuration.stripeTimeout, maxRetries: configuration.stripeMaxRetries),
        webhookSecret: configuration.resolvedStripeWebhookSecret,
        priceOverrides: configuration.stripePriceIDs,
        publicURL: configuration.publicURL,
        logger: logger
    )
    // The built-in Stripe simulator, only when billing talks to it (no real Stripe configured).
    var simulator: StripeSimulator?
    if configuration.usesStripeSimulator {
        let served = StripeSimulator(
            database: database,
            configuration: .init(publicBaseURL: configuration.publicURL,
                                 webhookURL: configuration.stripeSimulatorDeliversWebhooks ? billing.link("/api/v2/billing/webhook") : nil,
                                 webhookSecret: configuration.resolvedStripeWebhookSecret,
                                 webhookRetryBaseDelay: configuration.stripeSimulatorRetryDelay),
            logger: logger)
        served.registerRoutes(on: router)
        simulator = served
    }

    let tenantSettings = PostgresTenantSettingsRepository(database: database)
    let service = GatehouseService(
        database: database, migrations: migrations, registry: registry, logger: logger,
        auth: authContext,
        keys: keyServices,
        managedKeys: PostgresManagedKeyRepository(database: database),
        messaging: PostgresMessagingRepository(database: database),
        tenantSettings: tenantSettings,
        auditEvents: PostgresAuditEventRepository(database: database),
        usage: usageReports,
        messagePrice: Money(exactly: configuration.routePrices["POST /api/v2/messages"] ?? 0) ?? .zero,
        billing: billing
    )
    try service.registerHandlers(on: router, serverURL: URL(string: "/")!, middlewares: [
        RawWebhookBody(maxBytes: configuration.maxBodyBytes),
        EmptyBodyMiddleware(maxBytes: configuration.maxBodyBytes), auth, TextInputMiddleware(maxBytes: configuration.maxBodyBytes),
    ])

    // The web console: the same services and repositories, and the contract's policies decide
    // what each role may do there too.
    let console = try Console(
        accounts: accountService, keys: keyIssuer, usage: usageLog, tenantSettings: tenantSettings,
        usageReports: usageReports, billing: billing,
        // The client as the API sees it (TRUSTED_PROXIES applied by RequestScopeMiddleware).
        clientOrigin: { GatehouseService.clientOrigin() },
        secret: Data((configuration.jwtSigningKey + configuration.keyPepper + "console").utf8),
        permits: { operationID, role in policies[operationID]?.permits(role) ?? false },
        logger: logger
    )
    console.register(on: router)

    var app = Application(
        router: router,
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "gatehouse"),
        logger: logger
    )
    let housekeeping = AuthHousekeeping(database: database, keep: TimeInterval(2 * configuration.authThrottleWindowSeconds),
                                        interval: .seconds(600), logger: logger)
    // Shutdown runs in reverse: the server stops first, then the mail worker, then the
    // recorder drains the usage queue, then the pool closes.
    app.addServices(pool, housekeeping, usageRecorder, mailWorker)
    // Reconcile only with a Stripe to ask: real Stripe, or the simulator served here.
    if let interval = configuration.billingReconcileInterval, configuration.usesStripeSimulator || configuration.stripeSecretKey != nil {
        app.addServices(BillingReconciler(billing: billing, interval: interval, lookback: BillingReconciler.defaultLookback,
                                          logger: logger))
    }
    if let simulator { app.addServices(simulator.worker) }
    if let metricsPort = configuration.metricsPort {
        app.addServices(makeMetricsApplication(
            MetricsExporter(registry: registry, pool: pool), host: configuration.host, port: metricsPort,
            token: configuration.metricsToken, logger: logger))
    }
    return app
}

/// `/metrics` alone on its own port (`METRICS_PORT`), e.g. one that only the monitoring network reaches.
func makeMetricsApplication(
    _ exporter: MetricsExporter, host: String, port: Int, token: String?, logger: Logger
) -> some ApplicationProtocol {
    let router = Router(context: AppRequestContext.self)
    router.middlewares.add(RequestScopeMiddleware())
    router.middlewares.add(ProblemMiddleware())
    router.middlewares.add(MetricsAccessMiddleware<AppRequestContext>(servedElsewhere: false, token: token))
    router.get(RouterPath(MetricsAccessMiddleware<AppRequestContext>.path)) { _, _ in
        Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                 body: ResponseBody(byteBuffer: ByteBuffer(bytes: exporter.render())))
    }
    return Application(
        router: router,
        configuration: .init(address: .hostname(host, port: port), serverName: "gatehouse-metrics"),
        logger: logger)
}
