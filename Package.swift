// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "Junction",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "junction-frontend", targets: ["Frontend"]),
        .executable(name: "junction-worker", targets: ["Worker"]),
        .executable(name: "junction-refresher", targets: ["Refresher"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.8.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "5.0.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CHiredis",
            pkgConfig: "hiredis",
            providers: [.apt(["libhiredis-dev"])]
        ),
        .target(
            name: "JunctionCore",
            dependencies: [.product(name: "Logging", package: "swift-log")],
            path: "Sources/Common/Core"
        ),
        .target(
            name: "Secrets",
            dependencies: ["JunctionCore", .product(name: "Crypto", package: "swift-crypto")],
            path: "Sources/Common/Secrets"
        ),
        .target(
            name: "Redis",
            dependencies: ["JunctionCore", "Secrets", "CHiredis", .product(name: "Crypto", package: "swift-crypto")],
            path: "Sources/Common/Redis"
        ),
        .target(
            name: "Jobs",
            dependencies: [
                "JunctionCore", "Redis",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Sources/Common/Jobs"
        ),
        .target(
            name: "Runs",
            dependencies: [
                "JunctionCore", "Redis", "Jobs",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Sources/Common/Runs"
        ),
        .target(
            name: "Catalog",
            dependencies: ["JunctionCore", .product(name: "Yams", package: "Yams")],
            path: "Sources/Common/Catalog"
        ),
        .target(
            name: "Common",
            dependencies: [
                "JunctionCore", "Secrets", "Redis", "Jobs", "Runs", "Catalog",
                "CHiredis",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Yams", package: "Yams"),
            ],
            exclude: ["Core", "Secrets", "Redis", "Jobs", "Runs", "Catalog"]
        ),
        .executableTarget(
            name: "Frontend",
            dependencies: [
                "Common", "JunctionCore", "Secrets", "Redis", "Jobs", "Runs", "Catalog",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "Worker",
            dependencies: ["Common", "JunctionCore", "Secrets", "Redis", "Jobs", "Runs", "Catalog", .product(name: "Crypto", package: "swift-crypto")],
            resources: [.copy("Sandbox/sandbox-host.js"), .copy("Sandbox/sandbox-worker.js")]
        ),
        .executableTarget(
            name: "Refresher",
            dependencies: ["Common", "JunctionCore", "Secrets", "Redis", "Jobs", "Runs", "Catalog"]
        ),
        .testTarget(
            name: "JunctionTests",
            dependencies: [
                "Common", "JunctionCore", "Secrets", "Redis", "Jobs", "Runs", "Catalog", "Worker", "Refresher", "Frontend",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
