import Config
import Hummingbird
import Jobs
import Logging
import Redis
import Runs
import Secrets
import Store

/// Builds the frontend application: routes plus the reply listener service.
func buildApplication(config: FrontendConfiguration, logger: Logger) async throws -> some ApplicationProtocol {
    let database: any JunctionStore = try SQLiteStore(path: config.common.databasePath)
    // Secrets stored before origins were recorded: bind them now, not at their first use.
    let legacy = try await database.bindLegacySourceSecrets(box: SecretBox(keyring: config.common.keyring))
    if legacy > 0 { logger.info("bound stored secrets to their origins", metadata: ["count": "\(legacy)"]) }
    let redis = RedisClient(url: config.common.redisURL, connections: 8)
    let queue = JobQueue(redis: redis)
    let listener = ReplyListener(queue: queue, logger: logger)
    let auth = Authenticator(database: database, publicURL: config.publicURL)
    let router = Router(context: FrontendContext.self)
    router.get("/healthz") { _, _ in "ok" }
    MCPEndpoint(auth: auth, sessions: MCPSessionStore(redis: redis), streams: LegacySSESessionStore(redis: redis),
                dispatcher: RunDispatcher(queue: queue, listener: listener, slots: RunSlots(redis: redis, maxPerUser: config.maxRunsPerUser), timeout: config.executeTimeout, queueWait: config.queueWait),
                limiter: RateLimiter(redis: redis, ratePerSecond: config.rateLimitPerSecond, burst: config.rateLimitBurst),
                users: UserCache(maxAge: config.authCache),
                config: config, logger: logger, keepAlive: KeepAliveTicker(interval: config.sseKeepAlive)).register(on: router)
    SourcesAPI(auth: auth, database: database, queue: queue, box: SecretBox(keyring: config.common.keyring),
               policy: config.common.outboundPolicy, config: config, logger: logger).register(on: router)
    Dashboard(auth: auth, database: database, config: config, logger: logger).register(on: router)
    try registerAuthRoutes(on: router, auth: auth, redis: redis, config: config, logger: logger)
    SourceOAuthAPI(auth: auth, database: database, queue: queue, box: SecretBox(keyring: config.common.keyring), config: config, logger: logger).register(on: router)
    return Application(router: router, configuration: .init(address: .hostname(config.host, port: config.port), serverName: "Junction"),
                       services: [listener], logger: logger)
}
