import AsyncHTTPClient
import Config
import Configuration
import Jobs
import JunctionCore
import Logging
import Redis
import Secrets
import ServiceLifecycle
import SourceAccess
import Stdio
import Store
import UnixSignals
import Upstream

/// `junction-worker`: runs `search`/`execute` jobs in the Deno sandbox.
@main
struct WorkerMain {
    static func main() async throws {
        let config = try WorkerConfiguration(reader: ConfigReader(keys: CommonConfiguration.keys + WorkerConfiguration.keys))
        let logger = Logger.junction("worker", level: config.common.logLevel)
        let services = try await buildWorker(config: config, logger: logger)
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
    let handler = RunJobHandler(database: database, queue: queue, pool: pool, caller: caller, mcp: mcp,
                                box: box, maxOutputChars: config.maxOutputChars, limits: config.limits, logger: logger)
    let processor = JobProcessor(
        kind: .execute, queue: queue, handler: handler,
        options: .init(concurrency: config.sandbox.processes * config.sandbox.concurrency, visibilityTimeout: config.common.visibilityTimeout,
                       drainTimeout: config.common.drainTimeout),
        logger: logger)
    logger.info("worker ready", metadata: ["sandboxProcesses": "\(config.sandbox.processes)", "deno": "\(config.sandbox.denoPath)"])
    // A graceful shutdown stops services last to first: the processor drains its runs
    // before the sandbox pool they run in is stopped.
    return [.init(service: SandboxPoolService(pool: pool, client: http.client, stdio: stdio)), .init(service: processor)]
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
