import AsyncHTTPClient
import Config
import Configuration
import Jobs
import JunctionCore
import JunctionMetrics
import JunctionTracing
import Logging
import Redis
import Secrets
import ServiceLifecycle
import SourceAccess
import Status
import Stdio
import Store
import UnixSignals
import Upstream

/// `junction-worker`: runs `search`/`execute` jobs in the Deno sandbox.
@main
struct WorkerMain {
    static func main() async throws {
        let config = try WorkerConfiguration(reader: ConfigReader(keys: CommonConfiguration.keys + WorkerConfiguration.keys))
        let telemetry = try Telemetry.bootstrap(config.common.telemetry(process: "worker"))
        JunctionMetricsFactory.bootstrap()
        let logger = Logger.junction("worker", level: config.common.logLevel)
        // The span exporter first: services stop last to first, so it flushes the others' spans.
        let exporter: [ServiceGroupConfiguration.ServiceConfiguration] = telemetry.map { [.init(service: $0)] } ?? []
        let services = exporter + (try await buildWorker(config: config, logger: logger))
        var settings = ServiceGroupConfiguration(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        // A backstop: the processor itself gives up on its runs at the drain deadline.
        settings.maximumGracefulShutdownDuration = config.common.drainTimeout + .seconds(5)
        try await ServiceGroup(configuration: settings).run()
    }
}

/// Everything a worker process runs, as services (testable without `main`).
package func buildWorker(config: WorkerConfiguration, logger: Logger) async throws -> [ServiceGroupConfiguration.ServiceConfiguration] {
    let database = try await StoreOpener.open(databaseURL: config.common.databaseURL, sqlitePath: config.common.databasePath, logger: logger)
    let redis = RedisClient(url: config.common.redisURL)
    let queue = JobQueue(redis: redis)
    let pool = SandboxPool(options: config.sandbox, logger: logger)
    try await pool.start()
    let http = UpstreamHTTP(client: UpstreamHTTP.makeClient(), policy: config.common.outboundPolicy)
    var caller = OpenAPICaller(http: http)
    caller.timeout = config.upstreamTimeout
    caller.maxResponseBytes = config.upstreamMaxBytes
    let box = SecretBox(keyring: config.common.keyring)
    let sessions = MCPSessionPool(idleTimeout: config.mcpIdleTimeout, logger: logger)
    let stdio = StdioInstanceManager.forProcess(servers: config.common.stdioServers, settings: config.common.stdio, redis: redis,
                                                role: "worker", logger: logger)
    let mcp = MCPCaller(database: database, http: http, pool: sessions, timeout: config.upstreamTimeout,
                        maxResponseBytes: config.upstreamMaxBytes,
                        oauth: MCPOAuthTokens(database: database, redis: redis, box: box, http: http, logger: logger),
                        stdio: stdio, logger: logger)
    var handler = RunJobHandler(database: database, queue: queue, pool: pool, caller: caller, mcp: mcp,
                                box: box, maxOutputChars: config.maxOutputChars, limits: config.limits, logger: logger)
    let consumer = defaultJobConsumerName()
    let board = StatusBoard(redis: redis, ttl: config.common.heartbeatInterval * 3)
    handler.failures = FailureReporter(board: board, processID: consumer)
    let processor = JobProcessor(
        kind: .execute, queue: queue, handler: handler,
        options: .init(concurrency: config.sandbox.processes * config.sandbox.concurrency, visibilityTimeout: config.common.visibilityTimeout,
                       drainTimeout: config.common.drainTimeout),
        consumer: consumer, logger: logger)
    let status = StatusServices(kind: "worker", id: consumer, board: board, storeProbe: { _ = try await database.authEpoch() })
        .services(heartbeatInterval: config.common.heartbeatInterval, metricsHost: config.common.metricsHost,
                  metricsPort: config.common.metricsPort, inFlight: { processor.inFlightCount }, logger: logger)
    logger.info("worker ready", metadata: ["sandboxProcesses": "\(config.sandbox.processes)", "deno": "\(config.sandbox.denoPath)"])
    // A graceful shutdown stops services last to first: the processor drains its runs
    // before the sandbox pool they run in (and the stdio instances) are stopped, and the
    // heartbeat goes last.
    return status.map { .init(service: $0) }
        + [.init(service: SandboxPoolService(pool: pool, client: http.client, stdio: stdio)), .init(service: processor)]
}

/// Keeps the sandbox pool and HTTP client alive for the process and stops them at shutdown.
struct SandboxPoolService: Service {
    let pool: SandboxPool
    let client: AsyncHTTPClientShutdown
    let stdio: StdioInstanceManager?

    func run() async throws {
        try? await gracefulShutdown()
        await stdio?.stopAll()
        await pool.shutdown()
        try? await client.shutdown()
    }
}

