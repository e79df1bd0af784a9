import Config
import Hummingbird
import Jobs
import JunctionTracing
import Logging
import Redis
import Runs
import Secrets
import ServiceLifecycle
import Status
import Store

/// Builds the frontend from its configuration: opens the store and Redis, then
/// `buildApplication(dependencies:)`.
func buildApplication(config: FrontendConfiguration, logger: Logger) async throws -> (some ApplicationProtocol, [any Service]) {
    let database = try await StoreOpener.open(databaseURL: config.common.databaseURL, sqlitePath: config.common.databasePath, logger: logger)
    // Secrets stored before origins were recorded: bind them now, not at their first use.
    let legacy = try await database.bindLegacySourceSecrets(box: SecretBox(keyring: config.common.keyring))
    if legacy > 0 { logger.info("bound stored secrets to their origins", metadata: ["count": "\(legacy)"]) }
    let dependencies = FrontendDependencies(database: database, redis: RedisClient(url: config.common.redisURL, connections: 8),
                                            config: config, logger: logger)
    return (try buildApplication(dependencies: dependencies), dependencies.statusServices())
}

/// The frontend on the given store, Redis and settings: the router plus the reply listener
/// service. Tests build it on a temporary SQLite file and a private redis-server and drive
/// it with HummingbirdTesting.
func buildApplication(dependencies: FrontendDependencies) throws -> some ApplicationProtocol {
    let config = dependencies.config
    return Application(router: try buildRouter(dependencies: dependencies),
                       configuration: .init(address: .hostname(config.host, port: config.port), serverName: "Junction"),
                       services: [dependencies.listener], logger: dependencies.logger)
}

/// Every route of the frontend, behind the middleware every response passes through:
/// security headers outermost (error answers carry them too), then the error mapping.
/// Route groups add their own authentication (`ManagementAuthMiddleware`,
/// `MCPAuthMiddleware`, `DashboardPageMiddleware`).
func buildRouter(dependencies d: FrontendDependencies) throws -> Router<FrontendContext> {
    // A missing bundled file stops the start here, with its name, not a request later.
    _ = try Assets.loaded.get()
    _ = try OpenAPISpec.loaded.get()
    let (config, logger) = (d.config, d.logger)
    let box = SecretBox(keyring: config.common.keyring)
    let auth = Authenticator(database: d.database, publicURL: config.publicURL)
    let router = Router(context: FrontendContext.self)
    // Router middleware applies to routes added after it: add it first. The request's span
    // (tracing on only) is outermost, so error answers are inside it too.
    if Traces.isEnabled { router.add(middleware: RequestSpanMiddleware<FrontendContext>()) }
    router.add(middleware: HTTPMetricsMiddleware<FrontendContext>())
    router.add(middleware: SecurityHeadersMiddleware<FrontendContext>())
    router.add(middleware: ErrorMiddleware<FrontendContext>(logger: logger))
    router.get("/healthz") { _, _ in "ok" }
    router.get("/readyz") { _, _ in try await StatusServer.readyResponse(d.readiness) }
    MCPEndpoint(auth: auth, sessions: MCPSessionStore(redis: d.redis), streams: LegacySSESessionStore(redis: d.redis),
                dispatcher: RunDispatcher(queue: d.queue, listener: d.listener, slots: RunSlots(redis: d.redis, maxPerUser: config.maxRunsPerUser),
                                          timeout: config.executeTimeout, queueWait: config.queueWait),
                limiter: RateLimiter(redis: d.redis, ratePerSecond: config.rateLimitPerSecond, burst: config.rateLimitBurst),
                users: UserCache(maxAge: config.authCache),
                config: config, logger: logger, keepAlive: KeepAliveTicker(interval: config.sseKeepAlive)).register(on: router)
    SourcesAPI(auth: auth, database: d.database, queue: d.queue, box: box, policy: config.common.outboundPolicy, config: config, logger: logger)
        .register(on: router)
    Dashboard(auth: auth, database: d.database, board: d.board, config: config, logger: logger).register(on: router)
    registerAuthRoutes(on: router, auth: auth, redis: d.redis, config: config, authConfig: config.auth, logger: logger)
    SourceOAuthAPI(auth: auth, database: d.database, queue: d.queue, box: box, config: config, logger: logger).register(on: router)
    return router
}

/// What the frontend runs on, made outside it so tests can supply their own.
struct FrontendDependencies: Sendable {
    let database: any JunctionStore
    let redis: RedisClient
    let queue: JobQueue
    /// Receives run results for this instance; runs as the application's service.
    let listener: ReplyListener
    let config: FrontendConfiguration
    let logger: Logger
    /// Heartbeat, readiness and metrics listener of this process.
    let status: StatusServices

    init(database: any JunctionStore, redis: RedisClient, config: FrontendConfiguration, logger: Logger) {
        self.database = database
        self.redis = redis
        queue = JobQueue(redis: redis)
        listener = ReplyListener(queue: queue, logger: logger)
        self.config = config
        self.logger = logger
        let board = StatusBoard(redis: redis, ttl: config.common.heartbeatInterval * 3)
        status = StatusServices(kind: "frontend", id: listener.frontendID, board: board, storeProbe: { _ = try await database.authEpoch() })
    }

    /// Heartbeats and recent failures, for the admin status page.
    var board: StatusBoard { status.board }
    /// `/readyz`: Redis and the store answer.
    var readiness: Readiness { status.readiness }

    /// The services a frontend process runs beside its application: its heartbeat, and the
    /// metrics listener when `JUNCTION_METRICS_PORT` is set.
    func statusServices() -> [any Service] {
        let common = config.common
        return status.services(heartbeatInterval: common.heartbeatInterval, metricsHost: common.metricsHost,
                               metricsPort: common.metricsPort, logger: logger)
    }
}
