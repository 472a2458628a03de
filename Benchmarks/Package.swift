// swift-tools-version: 6.1
// Side-by-side baselines for `scripts/bench`, kept out of the product: the server never depends
// on postgres-nio, and nothing here is built by `scripts/test` or CI.
//
//   BareHummingbird  the trivial route on a bare Hummingbird router, built with the same flags
//                    as Gatehouse (`-c release`, the same upcoming features).
//   DriverBench      the same queries through Gatehouse's libpq pool and postgres-nio's
//                    PostgresClient, pools of the same size, in one process.
import Foundation
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

// A path dependency's identity is its folder's name (`main` in /work/main, `gatehouse` in a
// clone called so): read it rather than guess it.
let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
let gatehouse = repository.lastPathComponent.lowercased()

let package = Package(
    name: "gatehouse-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: repository.path),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/vapor/postgres-nio.git", exact: "1.33.2"),
    ],
    targets: [
        .executableTarget(
            name: "BareHummingbird",
            dependencies: [.product(name: "Hummingbird", package: "hummingbird")],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "DriverBench",
            dependencies: [
                .product(name: "GatehousePostgres", package: gatehouse),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
