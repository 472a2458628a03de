// swift-tools-version: 6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "gatehouse",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "gatehouse", targets: ["gatehouse"]),
        .library(name: "GatehouseClient", targets: ["GatehouseClient"]),
        // The libpq layer, for Benchmarks/ (compared with postgres-nio there, not here).
        .library(name: "GatehousePostgres", targets: ["Postgres"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/swift-openapi-hummingbird.git", from: "2.1.0"),
        .package(url: "https://github.com/apple/swift-openapi-generator.git", from: "1.14.3"),
        .package(url: "https://github.com/apple/swift-openapi-runtime.git", from: "1.13.4"),
        // The generated Swift client's transport (GatehouseClient, used by the end-to-end tests).
        .package(url: "https://github.com/swift-server/swift-openapi-async-http-client.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        // STARTTLS for the SMTP mail transport (already resolved through Hummingbird's deps).
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.7.1"),
        // Already built for the OpenAPI generator; the server reads `x-auth`/`x-scopes` with it.
        .package(url: "https://github.com/jpsim/Yams.git", "5.0.1"..<"7.0.0"),
        // The web console's templates.
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        // The Stripe adapter and the simulator's webhook sender speak HTTP with it.
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        // Header names for the Stripe simulator's routes (already resolved through Hummingbird).
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
    ],
    targets: [
        // System libraries: libpq (the only way Gatehouse talks to Postgres) and libargon2.
        .systemLibrary(
            name: "CLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"]), .brew(["libpq"])]
        ),
        .systemLibrary(
            name: "CArgon2",
            pkgConfig: "libargon2",
            providers: [.apt(["libargon2-dev"]), .brew(["argon2"])]
        ),

        .target(
            name: "Postgres",
            dependencies: [
                "CLibPQ",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "GatehouseCore",
            dependencies: [],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "GatehouseStore",
            dependencies: [
                "Postgres",
                "GatehouseCore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "GatehouseAuth",
            dependencies: [
                "CArgon2",
                "GatehouseCore",
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // The account, key and billing rules shared by the JSON API and the console.
        .target(
            name: "GatehouseServices",
            dependencies: [
                "Postgres",
                "GatehouseCore",
                "GatehouseStore",
                "GatehouseAuth",
                // BillingService speaks to Stripe (or the simulator) through StripeClient.
                "GatehouseBilling",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // The server-rendered web console under /console.
        .target(
            name: "GatehouseConsole",
            dependencies: [
                "GatehouseCore",
                "GatehouseStore",
                "GatehouseAuth",
                "GatehouseServices",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "GatehouseAPI",
            dependencies: [
                "Postgres",
                "GatehouseCore",
                "GatehouseStore",
                "GatehouseAuth",
                // Billing: StripeClient, webhook signatures, and the simulator it mounts.
                "GatehouseBilling",
                "GatehouseServices",
                "GatehouseConsole",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "OpenAPIHummingbird", package: "swift-openapi-hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Yams", package: "Yams"),
                // The SMTP mail transport is a small client on SwiftNIO.
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                // METRICS_TOKEN is compared as SHA-256 digests in constant time.
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            // Generated code uses `package import`; implicit imports must then be internal.
            swiftSettings: swiftSettings + [.enableUpcomingFeature("InternalImportsByDefault")],
            plugins: [.plugin(name: "OpenAPIGenerator", package: "swift-openapi-generator")]
        ),
        // A Swift client generated from openapi.yaml (types + client), for Gatehouse's users.
        .target(
            name: "GatehouseClient",
            dependencies: [
                // HTTPTypes comes with OpenAPIRuntime.
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
            ],
            swiftSettings: swiftSettings + [.enableUpcomingFeature("InternalImportsByDefault")],
            plugins: [.plugin(name: "OpenAPIGenerator", package: "swift-openapi-generator")]
        ),
        // Stripe's wire format (client, webhook signatures) and the Stripe simulator.
        .target(
            name: "GatehouseBilling",
            dependencies: [
                "Postgres",
                "GatehouseStore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "gatehouse",
            dependencies: [
                "GatehouseAPI",
                "GatehouseBilling",
                "GatehouseStore",
                "Postgres",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),

        // Shared by the test targets: the database URLs from the environment, a migrated
        // database, scratch databases, tenants, and a proxy to break the database's connections.
        .target(
            name: "GatehouseTestSupport",
            dependencies: [
                "Postgres", "GatehouseStore", .product(name: "Logging", package: "swift-log"),
                // The database proxy that breaks connections on demand.
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Tests/GatehouseTestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PostgresTests",
            dependencies: ["Postgres", "GatehouseTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "GatehouseStoreTests",
            dependencies: ["Postgres", "GatehouseStore", "GatehouseTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "GatehouseCoreTests",
            dependencies: ["GatehouseCore"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "GatehouseBillingTests",
            dependencies: [
                "GatehouseBilling",
                "GatehouseTestSupport",
                "GatehouseStore",
                "Postgres",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "GatehouseAPITests",
            dependencies: [
                "GatehouseTestSupport",
                "GatehouseClient",
                .product(name: "OpenAPIAsyncHTTPClient", package: "swift-openapi-async-http-client"),
                "GatehouseAPI",
                "GatehouseBilling",
                "GatehouseStore",
                "GatehouseAuth",
                "GatehouseServices",
                "GatehouseConsole",
                "Postgres",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                // The fake SMTP server speaks STARTTLS.
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
