// swift-tools-version:6.1
import PackageDescription

// Junction's architecture, as targets. Three thin executables (frontend, worker,
// refresher) stand on small libraries named by domain under Sources/Common/<Domain>;
// each library lists only what it imports, so the compiler keeps the rooms apart.
// Lower layers never import higher ones:
//
//   JunctionCore ← Secrets ← Redis ← Jobs ← Runs;  JunctionCore ← JunctionTracing ← Jobs, Upstream
//   JunctionCore ← Catalog;  Secrets ← Upstream
//   Catalog, Upstream ← Store ← SourceAccess;  Redis, Upstream ← Config

let swiftLog = Target.Dependency.product(name: "Logging", package: "swift-log")
let serviceLifecycle = Target.Dependency.product(name: "ServiceLifecycle", package: "swift-service-lifecycle")
let crypto = Target.Dependency.product(name: "Crypto", package: "swift-crypto")
let asyncHTTPClient = Target.Dependency.product(name: "AsyncHTTPClient", package: "async-http-client")
let grdb = Target.Dependency.product(name: "GRDB", package: "GRDB.swift")
let nioCore = Target.Dependency.product(name: "NIOCore", package: "swift-nio")
let nioHTTP1 = Target.Dependency.product(name: "NIOHTTP1", package: "swift-nio")
let unixSignals = Target.Dependency.product(name: "UnixSignals", package: "swift-service-lifecycle")
let configuration = Target.Dependency.product(name: "Configuration", package: "swift-configuration")
let tracing = Target.Dependency.product(name: "Tracing", package: "swift-distributed-tracing")
let metrics = Target.Dependency.product(name: "Metrics", package: "swift-metrics")
let hummingbird = Target.Dependency.product(name: "Hummingbird", package: "hummingbird")

let package = Package(
    name: "Junction",
    // swift-configuration's API is available from macOS 15.
    platforms: [.macOS(.v15)],
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
        // No traits: Junction reads environment variables only, so neither the JSON/YAML file
        // providers nor reloading (metrics, service lifecycle) are compiled.
        .package(url: "https://github.com/apple/swift-configuration.git", from: "1.4.0", traits: []),
        // Already in the graph through async-http-client; named because Junction imports them.
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        // The multi-host store (JUNCTION_DATABASE_URL): PostgreSQL's wire protocol, a pool, TLS.
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        // Traces (OTEL_EXPORTER_OTLP_ENDPOINT): the API every library speaks, and the OTLP
        // exporter. Only the OTLP/HTTP trait: gRPC would add minutes to every clean build.
        .package(url: "https://github.com/apple/swift-distributed-tracing.git", from: "1.7.3"),
        .package(url: "https://github.com/swift-otel/swift-otel.git", from: "1.6.0", traits: ["OTLPHTTP"]),
        // Metrics: the swift-metrics API in the libraries, Prometheus's text format on /metrics.
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    ],
    targets: [
        // MARK: Foundations

        // The hiredis C library.
        .systemLibrary(
            name: "CHiredis",
            pkgConfig: "hiredis",
            providers: [.apt(["libhiredis-dev"])]
        ),
        // The system's OpenSSL, for Redis over TLS (Debian's hiredis 0.14 has no TLS).
        // Under Common: the top level keeps only the executables, Common and CHiredis.
        .systemLibrary(
            name: "COpenSSL",
            path: "Sources/Common/COpenSSL",
            pkgConfig: "openssl",
            providers: [.apt(["libssl-dev"])]
        ),
        // JSON, typed errors, date/duration and logging helpers, AsyncSemaphore.
        // No Redis, no SQLite, no HTTP.
        .target(
            name: "JunctionCore",
            dependencies: [swiftLog],
            path: "Sources/Common/Core"
        ),
        // The keyring, SecretBox (sealed secrets), TokenHasher and random tokens.
        .target(
            name: "Secrets",
            dependencies: ["JunctionCore", crypto],
            path: "Sources/Common/Secrets"
        ),
        // The hiredis binding: connections (plain, or TLS through OpenSSL), the client,
        // scripts, URLs and a lock.
        .target(
            name: "Redis",
            dependencies: ["JunctionCore", "Secrets", "CHiredis", "COpenSSL", crypto],
            path: "Sources/Common/Redis"
        ),

        // Traces and log format: the OTLP bootstrap (off unless OTEL_EXPORTER_OTLP_ENDPOINT),
        // the W3C trace context a job carries, the JSON log handler with the trace id.
        .target(
            name: "JunctionTracing",
            dependencies: [
                "JunctionCore", swiftLog, serviceLifecycle, tracing,
                .product(name: "OTel", package: "swift-otel"),
            ],
            path: "Sources/Common/Tracing"
        ),
        // The metric names, labels and help texts Junction exports, recorded through the
        // swift-metrics API and exported by a swift-prometheus registry (ops/docs/METRICS.md).
        .target(
            name: "JunctionMetrics",
            dependencies: ["JunctionCore", metrics, .product(name: "Prometheus", package: "swift-prometheus")],
            path: "Sources/Common/Metrics"
        ),

        // MARK: Work through Redis

        // Generic job machinery: envelopes, per-user fair streams, the processor service.
        // Knows nothing about runs or sessions.
        .target(
            name: "Jobs",
            dependencies: ["JunctionCore", "Redis", "JunctionTracing", "JunctionMetrics", tracing, swiftLog, serviceLifecycle],
            path: "Sources/Common/Jobs"
        ),
        // The run contract between frontend and worker: requests and results, run slots,
        // the dispatcher and the reply listener.
        .target(
            name: "Runs",
            dependencies: ["JunctionCore", "Redis", "Jobs", "JunctionTracing", "JunctionMetrics", tracing, swiftLog, serviceLifecycle],
            path: "Sources/Common/Runs"
        ),

        // MARK: Domains

        // Indexing (OpenAPI specs, MCP tool lists), search and TypeScript generation.
        .target(
            name: "Catalog",
            dependencies: ["JunctionCore", .product(name: "Yams", package: "Yams")],
            path: "Sources/Common/Catalog"
        ),
        // Talking to upstreams: outbound policy and HTTP, the MCP client, the OAuth client.
        .target(
            name: "Upstream",
            dependencies: [
                "JunctionCore", "Secrets", "JunctionTracing", asyncHTTPClient, crypto, nioCore, nioHTTP1,
                .product(name: "NIOHTTPCompression", package: "swift-nio-extras"),
            ],
            path: "Sources/Common/Upstream"
        ),
        // Users, sources, catalog, OAuth state, execution logs: SQLite (GRDB) embedded, or
        // PostgreSQL (PostgresNIO) for several hosts. It persists Catalog's and Upstream's
        // value types, so it sits above both.
        .target(
            name: "Store",
            dependencies: [
                "JunctionCore", "Secrets", "Catalog", "Upstream", grdb, swiftLog,
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            path: "Sources/Common/Store"
        ),
        // A stored source made callable: its credential bound to its origin, its OAuth
        // tokens refreshed under a lock, an MCP client built for it (worker and refresher).
        .target(
            name: "SourceAccess",
            dependencies: ["JunctionCore", "Secrets", "Redis", "Store", "Upstream", "JunctionMetrics", swiftLog],
            path: "Sources/Common/SourceAccess"
        ),
        // Operator-declared stdio MCP servers, each user's instance in its own bubblewrap
        // sandbox: declarations, the sandbox command, the instance manager and its Redis lease.
        .target(
            name: "Stdio",
            dependencies: ["JunctionCore", "Redis", "Upstream", swiftLog],
            path: "Sources/Common/Stdio"
        ),
        // The settings every process reads (Redis, database, keyring, outbound policy), the
        // documented keys and the swift-configuration reader the executables build at start-up.
        .target(
            name: "Config",
            dependencies: ["JunctionCore", "Secrets", "Redis", "Upstream", "JunctionTracing", "Stdio", configuration],
            path: "Sources/Common/Config"
        ),

        // Live status: heartbeats of every process, recent failures, readiness, and the
        // small HTTP listener serving /metrics, /healthz and /readyz.
        .target(
            name: "Status",
            dependencies: ["JunctionCore", "Redis", "Jobs", "JunctionMetrics", hummingbird, swiftLog, serviceLifecycle],
            path: "Sources/Common/Status"
        ),

        // MARK: Executables

        .executableTarget(
            name: "Frontend",
            dependencies: [
                "JunctionCore", "Secrets", "Redis", "Jobs", "Runs", "Catalog", "Upstream", "Store", "Stdio", "Config", "JunctionTracing", "JunctionMetrics",
                "Status", configuration, tracing, .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                asyncHTTPClient, crypto, grdb, nioCore, swiftLog, serviceLifecycle, unixSignals,
            ],
            // Dashboard script and stylesheet, the management API's description (FrontendResource).
            resources: [.copy("Resources")]
        ),
        .executableTarget(
            name: "Worker",
            dependencies: [
                "JunctionCore", "Secrets", "Redis", "Jobs", "Runs", "Catalog", "Upstream", "Store", "SourceAccess", "Stdio", "Config", "JunctionMetrics", "Status",
                configuration, "JunctionTracing", tracing, asyncHTTPClient, crypto, swiftLog, serviceLifecycle, unixSignals,
            ],
            resources: [
                .copy("Sandbox/sandbox-host.js"), .copy("Sandbox/sandbox-protocol.js"), .copy("Sandbox/sandbox-worker.js"),
                .copy("Sandbox/sandbox-worker-errors.js"), .copy("Sandbox/sandbox-worker-run.js"),
            ]
        ),
        .executableTarget(
            name: "Refresher",
            dependencies: [
                "JunctionCore", "Secrets", "Redis", "Jobs", "Runs", "Catalog", "Upstream", "Store", "SourceAccess", "Stdio", "Config", "JunctionMetrics", "Status",
                configuration, "JunctionTracing", asyncHTTPClient, swiftLog, serviceLifecycle, unixSignals,
            ]
        ),

        // MARK: Tests (one unit-test target per library with tests, one integration target)

        // Shared helpers: a private redis-server, the programs the tests run, Locked, a
        // recorder of configuration reads.
        .target(name: "TestSupport", dependencies: ["Redis", "Jobs", swiftLog, configuration], path: "Tests/TestSupport"),
        .testTarget(name: "CoreTests", dependencies: ["JunctionCore"]),
        // The trace carrier, the JSON log handler, the envelope's trace context.
        .testTarget(name: "TracingTests", dependencies: ["JunctionCore", "JunctionTracing", "Jobs", swiftLog, tracing]),
        // The configuration reader, CommonConfiguration and the key reference (ops/docs/CONFIGURATION.md).
        .testTarget(name: "ConfigTests", dependencies: ["JunctionCore", "Secrets", "Redis", "Upstream", "Config", "JunctionTracing", "TestSupport", configuration]),
        // Stdio servers: the sandbox command (pure) and real sandboxed instances (bubblewrap).
        .testTarget(name: "StdioTests", dependencies: ["JunctionCore", "Redis", "Upstream", "Stdio", "TestSupport", swiftLog]),
        .testTarget(name: "RedisTests", dependencies: ["JunctionCore", "Redis", "TestSupport"]),
        // QueueTests waits for replies with Runs' ReplyListener.
        .testTarget(name: "JobsTests", dependencies: ["JunctionCore", "Jobs", "Redis", "Runs", "TestSupport", swiftLog, serviceLifecycle]),
        .testTarget(name: "RunsTests", dependencies: ["JunctionCore", "Jobs", "Redis", "Runs", "TestSupport", swiftLog]),
        // Search is measured through the store that serves it.
        .testTarget(name: "CatalogTests", dependencies: ["JunctionCore", "Secrets", "Catalog", "Store", "TestSupport", grdb]),
        .testTarget(
            name: "StoreTests",
            dependencies: [
                "JunctionCore", "Secrets", "Catalog", "Upstream", "Store", "TestSupport", grdb, swiftLog,
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ]
        ),
        .testTarget(
            name: "UpstreamTests",
            dependencies: [
                "JunctionCore", "Upstream", "TestSupport", asyncHTTPClient, nioCore,
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        // What needs an executable: handlers, the sandbox, routes (HummingbirdTesting), the
        // worker binary. Organised by executable (Frontend/, Worker/).
        .testTarget(
            name: "IntegrationTests",
            dependencies: [
                "JunctionCore", "Secrets", "Redis", "Jobs", "Runs", "Catalog", "Upstream", "Store", "SourceAccess", "Stdio", "TestSupport",
                "Config", "Frontend", "Worker", "Refresher", "JunctionMetrics", "Status", configuration,
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                asyncHTTPClient, grdb, nioCore, nioHTTP1, swiftLog,
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)

// Every file imports the modules whose members it uses (SE-0444), so the imports at the
// top of a file say which rooms it reaches into.
for target in package.targets where target.type != .system {
    target.swiftSettings = (target.swiftSettings ?? []) + [.enableUpcomingFeature("MemberImportVisibility")]
}
