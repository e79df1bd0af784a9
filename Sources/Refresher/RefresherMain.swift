import AsyncHTTPClient
import Catalog
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
import Status
import Stdio
import Store
import UnixSignals
import Upstream

/// `junction-refresher`: fetches and indexes source catalogs (settings: `RefresherConfiguration`).
@main
struct RefresherMain {
    static func main() async throws {
        let config = try RefresherConfiguration(reader: ConfigReader(keys: CommonConfiguration.keys + RefresherConfiguration.keys))
        let common = config.common
        let telemetry = try Telemetry.bootstrap(common.telemetry(process: "refresher"))
        let logger = Logger.junction("refresher", level: common.logLevel)
        JunctionMetricsFactory.bootstrap()
        let database = try await StoreOpener.open(databaseURL: common.databaseURL, sqlitePath: common.databasePath, logger: logger)
        let redis = RedisClient(url: common.redisURL)
        let queue = JobQueue(redis: redis)
        let http = UpstreamHTTP(client: UpstreamHTTP.makeClient(), policy: common.outboundPolicy)
        var handler = RefreshJobHandler(database: database, queue: queue, http: http, box: SecretBox(keyring: common.keyring),
                                        maxSpecBytes: config.maxSpecBytes, limits: config.indexLimits,
                                        stdio: StdioInstanceManager.forProcess(servers: common.stdioServers, settings: common.stdio,
                                                                               redis: redis, role: "refresher", logger: logger),
                                        logger: logger)
        let consumer = defaultJobConsumerName()
        let board = StatusBoard(redis: redis, ttl: common.heartbeatInterval * 3)
        handler.failures = FailureReporter(board: board, processID: consumer)
        let processor = JobProcessor(
            kind: .refresh, queue: queue, handler: handler,
            options: .init(concurrency: config.concurrency, visibilityTimeout: common.visibilityTimeout, drainTimeout: common.drainTimeout),
            consumer: consumer, logger: logger)
        let status = StatusServices(kind: "refresher", id: consumer, board: board, storeProbe: { _ = try await database.authEpoch() })
            .services(heartbeatInterval: common.heartbeatInterval, metricsHost: common.metricsHost, metricsPort: common.metricsPort,
                      inFlight: { processor.inFlightCount }, logger: logger)
        let scheduler = RefreshScheduler(
            database: database, queue: queue, oauth: handler.oauth,
            interval: config.interval, tick: config.tick, tokenLead: config.tokenLead,
            logger: logger)
        logger.info("refresher ready")
        // The span exporter first, then the heartbeat: services stop last to first, so the
        // heartbeat is withdrawn after the drain and the exporter flushes the others' spans.
        let exporter: [ServiceGroupConfiguration.ServiceConfiguration] = telemetry.map { [.init(service: $0)] } ?? []
        var settings = ServiceGroupConfiguration(services: exporter + status.map { .init(service: $0) } + [.init(service: processor), .init(service: scheduler)],
                                                 gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        settings.maximumGracefulShutdownDuration = common.drainTimeout + .seconds(5)
        try await ServiceGroup(configuration: settings).run()
        await handler.stdio?.stopAll()
        try await http.client.shutdown()
    }
}
