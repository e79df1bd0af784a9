import Configuration
import Foundation
import JunctionCore
import JunctionTracing
import Redis
import Secrets
import Stdio
import Upstream

/// Configuration shared by every Junction process: Redis, the database, the keyring and
/// the outbound policy. Each executable builds it (inside its own configuration) from one
/// `ConfigReader` at start-up; the keys are `CommonConfiguration.keys`, documented in
/// `ops/docs/CONFIGURATION.md`.
package struct CommonConfiguration: Sendable, CustomStringConvertible {
    package var redisURL: RedisURL
    /// `postgres://…` of the PostgreSQL store (`StoreOpener`); nil: the SQLite file at
    /// `databasePath`. Secret: it usually carries the password.
    package var databaseURL: String?
    package var databasePath: String
    package var dataDirectory: String
    package var keyring: Keyring
    package var outboundPolicy: OutboundPolicy
    package var visibilityTimeout: Duration
    /// How long a process stopping on SIGTERM finishes what it has in flight (a worker's
    /// runs, a refresher's refreshes, a frontend's open requests and streams) before it exits.
    package var drainTimeout: Duration
    package var logLevel: String
    /// `JUNCTION_LOG_FORMAT`: swift-log's text lines, or one JSON object per line.
    package var logFormat: LogFormat = .text
    /// `OTEL_EXPORTER_OTLP_ENDPOINT` / `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`: where spans go
    /// (OTLP/HTTP); tracing is on when either is set (and not switched off by
    /// `OTEL_SDK_DISABLED` or `OTEL_TRACES_EXPORTER=none`).
    package var otlpEndpoint: String?
    package var otlpTracesEndpoint: String?
    package var otelDisabled = false
    /// `OTEL_SERVICE_NAME`; nil: `junction-<process>`.
    package var serviceName: String?
    /// Where the process's own `/metrics`, `/healthz` and `/readyz` listener binds.
    package var metricsHost: String
    /// Its port; 0 (the default): no such listener.
    package var metricsPort: Int
    /// How often the process publishes its heartbeat (live status); it counts for three of these.
    package var heartbeatInterval: Duration
    /// The stdio servers the operator declared (`JUNCTION_STDIO_SERVERS`; none when unset).
    package var stdioServers: StdioServerList
    /// How stdio instances run (workers and refreshers); `cgroupRoot` nil: the default root
    /// (`StdioPidsCgroup.defaultRoot()`), found by the process that runs instances.
    package var stdio: StdioInstanceManager.Settings

    /// Reads every common key (all of them, every time, so an access report lists them all).
    package init(reader: ConfigReader) throws {
        redisURL = try Self.redisURL(reader: reader)
        databaseURL = reader.string(.databaseURL)
        if let databaseURL, !["postgres://", "postgresql://"].contains(where: { databaseURL.lowercased().hasPrefix($0) }) {
            // Not the value: it may hold a password.
            throw ConfigurationError(.databaseURL, "JUNCTION_DATABASE_URL must be postgres://user:password@host:port/database (or unset for SQLite)")
        }
        dataDirectory = reader.string(.dataDirectory, default: "./.data")
        databasePath = reader.string(.databasePath) ?? (dataDirectory as NSString).appendingPathComponent("junction.sqlite")
        keyring = try Keyring(reader: reader)
        outboundPolicy = OutboundPolicy(allowLoopbackHTTP: reader.bool(.allowLoopbackHTTP))
        visibilityTimeout = .milliseconds(try reader.int(.visibilityTimeout, default: 30_000))
        drainTimeout = .seconds(max(0, try reader.int(.drainSeconds, default: 30)))
        logLevel = reader.string(.logLevel, default: "info")
        metricsHost = reader.string(.metricsHost, default: "127.0.0.1")
        metricsPort = try reader.int(.metricsPort, default: 0)
        if !(0...65535).contains(metricsPort) {
            throw ConfigurationError(.metricsPort, "JUNCTION_METRICS_PORT must be a port number (0: off)")
        }
        heartbeatInterval = .milliseconds(max(100, try reader.int(.heartbeat, default: 5000)))
        let format = reader.string(.logFormat, default: "text")
        guard let logFormat = LogFormat(rawValue: format.lowercased()) else {
            throw ConfigurationError(.logFormat, "JUNCTION_LOG_FORMAT must be text or json, got '\(format)'")
        }
        self.logFormat = logFormat
        otlpEndpoint = reader.string(.otlpEndpoint)
        otlpTracesEndpoint = reader.string(.otlpTracesEndpoint)
        otelDisabled = reader.bool(.otelSDKDisabled) || reader.string(.otelTracesExporter)?.lowercased() == "none"
        serviceName = reader.string(.otelServiceName)
        let serversPath = reader.string(.stdioServers)
        do {
            stdioServers = try StdioServerList.load(path: serversPath)
        } catch let error as JunctionError {
            throw ConfigurationError(.stdioServers, error.message)
        }
        let stdioRoot = reader.string(.stdioDataDirectory) ?? (dataDirectory as NSString).appendingPathComponent("stdio")
        stdio = StdioInstanceManager.Settings(
            dataRoot: Self.absolute(stdioRoot),
            limits: StdioLimits(memoryMB: max(64, try reader.int(.stdioMemoryMB, default: 1024)),
                                cpuSeconds: max(1, try reader.int(.stdioCPUSeconds, default: 600)),
                                processes: max(4, try reader.int(.stdioProcesses, default: 64))),
            idleTimeout: .milliseconds(max(100, try reader.int(.stdioIdle, default: 300_000))),
            startTimeout: .milliseconds(max(100, try reader.int(.stdioStartTimeout, default: 20_000))),
            cgroupRoot: reader.string(.stdioCgroup))
    }

    /// Whether spans are exported.
    package var tracingEnabled: Bool { !otelDisabled && (otlpEndpoint != nil || otlpTracesEndpoint != nil) }

    /// The logging and tracing set-up of the process named `process` (`frontend`, …).
    package func telemetry(process: String) -> TelemetrySettings {
        TelemetrySettings(logFormat: logFormat, tracing: tracingEnabled, serviceName: serviceName ?? "junction-\(process)")
    }

    private static func absolute(_ path: String) -> String {
        path.hasPrefix("/") ? path : (FileManager.default.currentDirectoryPath as NSString).appendingPathComponent(path)
    }

    package init(redisURL: RedisURL, databasePath: String, keyring: Keyring, outboundPolicy: OutboundPolicy,
                 visibilityTimeout: Duration = .seconds(30), databaseURL: String? = nil) {
        self.redisURL = redisURL
        self.databaseURL = databaseURL
        self.databasePath = databasePath
        self.dataDirectory = (databasePath as NSString).deletingLastPathComponent
        self.keyring = keyring
        self.outboundPolicy = outboundPolicy
        self.visibilityTimeout = visibilityTimeout
        self.drainTimeout = .seconds(30)
        self.logLevel = "info"
        self.metricsHost = "127.0.0.1"
        self.metricsPort = 0
        self.heartbeatInterval = .seconds(5)
        self.stdioServers = StdioServerList()
        self.stdio = StdioInstanceManager.Settings(dataRoot: Self.absolute((dataDirectory as NSString).appendingPathComponent("stdio")))
    }

    /// `REDIS_URL` with the TLS settings; errors name the variable at fault and never quote
    /// the URL (it may hold a password).
    private static func redisURL(reader: ConfigReader) throws -> RedisURL {
        let text = reader.string(.redisURL, default: "redis://127.0.0.1:6379")
        let tls = RedisTLSOptions(caFile: reader.string(.redisTLSCA), certFile: reader.string(.redisTLSCert),
                                  keyFile: reader.string(.redisTLSKey))
        if tls.keyFile != nil, tls.certFile == nil {
            throw ConfigurationError(.redisTLSKey, "JUNCTION_REDIS_TLS_KEY is set without JUNCTION_REDIS_TLS_CERT")
        }
        for (key, path) in [(ConfigurationKey.redisTLSCA, tls.caFile), (.redisTLSCert, tls.certFile), (.redisTLSKey, tls.keyFile)] {
            if let path, !FileManager.default.isReadableFile(atPath: path) {
                throw ConfigurationError(key, "\(key.variable) names \(path), which is not a readable file")
            }
        }
        do {
            return try RedisURL(text, tls: tls)
        } catch let error as JunctionError {
            throw ConfigurationError(.redisURL, error.message)
        }
    }

    /// The keys it reads, in the order of the reference.
    package static let keys: [ConfigurationKey] = [
        .masterKey, .masterKeyFile, .masterKeyID, .oldMasterKeys, .redisURL, .redisTLSCA, .redisTLSCert, .redisTLSKey,
        .databaseURL, .dataDirectory, .databasePath,
        .allowLoopbackHTTP, .visibilityTimeout, .logLevel,
        .drainSeconds, .logFormat, .otlpEndpoint, .otlpTracesEndpoint, .otelServiceName, .otelSDKDisabled, .otelTracesExporter,
        .metricsHost, .metricsPort, .heartbeat,
        .stdioServers, .stdioDataDirectory, .stdioIdle, .stdioStartTimeout, .stdioMemoryMB, .stdioCPUSeconds, .stdioProcesses, .stdioCgroup,
    ]

    package var description: String { redactedDescription(of: self, secret: ["databaseURL"]) }
}

extension ConfigurationKey {
    /// Secret: it may hold the password.
    package static let redisURL = ConfigurationKey("redis.url", variable: "REDIS_URL", default: .value("redis://127.0.0.1:6379"),
                                                   secret: true)
    package static let redisTLSCA = ConfigurationKey("junction.redis.tlsCA", variable: "JUNCTION_REDIS_TLS_CA", default: .unset)
    package static let redisTLSCert = ConfigurationKey("junction.redis.tlsCert", variable: "JUNCTION_REDIS_TLS_CERT", default: .unset)
    package static let redisTLSKey = ConfigurationKey("junction.redis.tlsKey", variable: "JUNCTION_REDIS_TLS_KEY", default: .unset)
    package static let databaseURL = ConfigurationKey("junction.databaseURL", variable: "JUNCTION_DATABASE_URL", default: .unset, secret: true)
    package static let dataDirectory = ConfigurationKey("junction.dataDir", variable: "JUNCTION_DATA_DIR", default: .value("./.data"))
    package static let databasePath = ConfigurationKey("junction.databasePath", variable: "JUNCTION_DATABASE_PATH",
                                                       default: .derived("`$JUNCTION_DATA_DIR/junction.sqlite`"))
    package static let masterKey = ConfigurationKey("junction.masterKey", variable: "JUNCTION_MASTER_KEY",
                                                    default: .derived("— (required)"), secret: true)
    package static let masterKeyFile = ConfigurationKey("junction.masterKeyFile", variable: "JUNCTION_MASTER_KEY_FILE", default: .unset)
    package static let masterKeyID = ConfigurationKey("junction.masterKeyID", variable: "JUNCTION_MASTER_KEY_ID", default: .value("k1"))
    package static let oldMasterKeys = ConfigurationKey("junction.oldMasterKeys", variable: "JUNCTION_OLD_MASTER_KEYS",
                                                        default: .unset, secret: true)
    package static let allowLoopbackHTTP = ConfigurationKey("junction.allowLoopbackHTTP", variable: "JUNCTION_ALLOW_LOOPBACK_HTTP",
                                                            default: .value("off"))
    package static let visibilityTimeout = ConfigurationKey("junction.visibilityTimeoutMS", variable: "JUNCTION_VISIBILITY_TIMEOUT_MS",
                                                            default: .value("30000"))
    package static let drainSeconds = ConfigurationKey("junction.drainSeconds", variable: "JUNCTION_DRAIN_SECONDS", default: .value("30"))
    package static let metricsHost = ConfigurationKey("junction.metrics.host", variable: "JUNCTION_METRICS_HOST", default: .value("127.0.0.1"))
    package static let metricsPort = ConfigurationKey("junction.metrics.port", variable: "JUNCTION_METRICS_PORT", default: .value("0"))
    package static let heartbeat = ConfigurationKey("junction.heartbeatMS", variable: "JUNCTION_HEARTBEAT_MS", default: .value("5000"))
    package static let logLevel = ConfigurationKey("junction.logLevel", variable: "JUNCTION_LOG_LEVEL", default: .value("info"))
    package static let logFormat = ConfigurationKey("junction.logFormat", variable: "JUNCTION_LOG_FORMAT", default: .value("text"))
    package static let otlpEndpoint = ConfigurationKey("otel.exporter.otlp.endpoint", variable: "OTEL_EXPORTER_OTLP_ENDPOINT", default: .unset)
    package static let otlpTracesEndpoint = ConfigurationKey("otel.exporter.otlp.traces.endpoint", variable: "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
                                                             default: .unset)
    package static let otelServiceName = ConfigurationKey("otel.serviceName", variable: "OTEL_SERVICE_NAME",
                                                          default: .derived("`junction-frontend`, `junction-worker`, `junction-refresher`"))
    package static let otelSDKDisabled = ConfigurationKey("otel.sdkDisabled", variable: "OTEL_SDK_DISABLED", default: .value("false"))
    package static let otelTracesExporter = ConfigurationKey("otel.tracesExporter", variable: "OTEL_TRACES_EXPORTER", default: .value("otlp"))
    package static let stdioServers = ConfigurationKey("junction.stdio.servers", variable: "JUNCTION_STDIO_SERVERS", default: .unset)
    package static let stdioDataDirectory = ConfigurationKey("junction.stdio.dataDir", variable: "JUNCTION_STDIO_DATA_DIR",
                                                             default: .derived("`$JUNCTION_DATA_DIR/stdio`"))
    package static let stdioIdle = ConfigurationKey("junction.stdio.idleMS", variable: "JUNCTION_STDIO_IDLE_MS", default: .value("300000"))
    package static let stdioStartTimeout = ConfigurationKey("junction.stdio.startTimeoutMS", variable: "JUNCTION_STDIO_START_TIMEOUT_MS",
                                                            default: .value("20000"))
    package static let stdioMemoryMB = ConfigurationKey("junction.stdio.memoryMB", variable: "JUNCTION_STDIO_MEMORY_MB", default: .value("1024"))
    package static let stdioCPUSeconds = ConfigurationKey("junction.stdio.cpuSeconds", variable: "JUNCTION_STDIO_CPU_SECONDS",
                                                          default: .value("600"))
    package static let stdioProcesses = ConfigurationKey("junction.stdio.processes", variable: "JUNCTION_STDIO_PROCESSES", default: .value("64"))
    package static let stdioCgroup = ConfigurationKey("junction.stdio.cgroup", variable: "JUNCTION_STDIO_CGROUP",
                                                      default: .derived("`/sys/fs/cgroup/pids/junction-stdio` when writable"))
}
