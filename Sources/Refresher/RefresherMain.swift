import AsyncHTTPClient
import Catalog
import Config
import Configuration
import Jobs
import JunctionCore
import Logging
import Redis
import Secrets
import ServiceLifecycle
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
        let logger = Logger.junction("refresher", level: common.logLevel)
        let database = try await StoreOpener.open(databaseURL: common.databaseURL, sqlitePath: common.databasePath, logger: logger)
        let redis = RedisClient(url: common.redisURL)
        let queue = JobQueue(redis: redis)
        let http = UpstreamHTTP(client: UpstreamHTTP.makeClient(), policy: common.outboundPolicy)
        let handler = RefreshJobHandler(database: database, queue: queue, http: http, box: SecretBox(keyring: common.keyring),
                                        maxSpecBytes: config.maxSpecBytes, limits: config.indexLimits,
                                        stdio: StdioInstanceManager.forProcess(servers: common.stdioServers, settings: common.stdio,
                                                                                              redis: redis, role: "refresher", logger: logger),
                                        logger: logger)
        let processor = JobProcessor(
            kind: .refresh, queue: queue, handler: handler,
            options: .init(concurrency: config.concurrency, visibilityTimeout: common.visibilityTimeout, drainTimeout: common.drainTimeout),
            logger: logger)
        let scheduler = RefreshScheduler(
            database: database, queue: queue, oauth: handler.oauth,
            interval: config.interval, tick: config.tick, tokenLead: config.tokenLead,
            logger: logger)
        logger.info("refresher ready")
        var settings = ServiceGroupConfiguration(services: [.init(service: processor), .init(service: scheduler)],
                                                 gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        settings.maximumGracefulShutdownDuration = common.drainTimeout + .seconds(5)
        try await ServiceGroup(configuration: settings).run()
        await handler.stdio?.stopAll()
        try await http.client.shutdown()
    }
}
