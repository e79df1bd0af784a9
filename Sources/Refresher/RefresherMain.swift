import AsyncHTTPClient
import Catalog
import Config
import Jobs
import JunctionCore
import Logging
import Redis
import Secrets
import ServiceLifecycle
import Store
import UnixSignals
import Upstream

/// `junction-refresher`: fetches and indexes source catalogs.
///
/// | key | meaning | default |
/// |---|---|---|
/// | `JUNCTION_REFRESH_CONCURRENCY` | refreshes at once | 2 |
/// | `JUNCTION_SPEC_MAX_BYTES` | largest spec accepted | 26214400 (25 MB) |
/// | `JUNCTION_INDEX_MAX_NODES` | schema nodes one source's catalog may hold once `$ref`s are inlined | 5000000 |
/// | `JUNCTION_INDEX_MAX_OPERATIONS` | operations or tools one source may have | 50000 |
/// | `JUNCTION_REFRESH_INTERVAL_MS` | every source's catalog is re-listed this often | 21600000 (6 h) |
/// | `JUNCTION_REFRESH_TICK_MS` | how often the scheduler looks for due work | 30000 |
/// | `JUNCTION_OAUTH_REFRESH_LEAD_MS` | upstream OAuth tokens are refreshed this long before they expire | 300000 |
@main
struct RefresherMain {
    static func main() async throws {
        let env = Environment()
        let common = try CommonConfiguration(environment: env)
        let logger = Logger.junction("refresher", level: common.logLevel)
        let database: any JunctionStore = try SQLiteStore(path: common.databasePath)
        let queue = JobQueue(redis: RedisClient(url: common.redisURL))
        let http = UpstreamHTTP(client: UpstreamHTTP.makeClient(), policy: common.outboundPolicy)
        let handler = RefreshJobHandler(database: database, queue: queue, http: http, box: SecretBox(keyring: common.keyring),
                                        maxSpecBytes: try env.int("JUNCTION_SPEC_MAX_BYTES", default: 25 * 1024 * 1024),
                                        limits: IndexLimits(
                                            maxNodes: try env.int("JUNCTION_INDEX_MAX_NODES", default: IndexLimits.standard.maxNodes),
                                            maxOperations: try env.int("JUNCTION_INDEX_MAX_OPERATIONS", default: IndexLimits.standard.maxOperations)),
                                        logger: logger)
        let processor = JobProcessor(
            kind: .refresh, queue: queue, handler: handler,
            options: .init(concurrency: max(1, try env.int("JUNCTION_REFRESH_CONCURRENCY", default: 2)), visibilityTimeout: common.visibilityTimeout),
            logger: logger)
        let scheduler = RefreshScheduler(
            database: database, queue: queue, oauth: handler.oauth,
            interval: .milliseconds(max(1000, try env.int("JUNCTION_REFRESH_INTERVAL_MS", default: 6 * 3600 * 1000))),
            tick: .milliseconds(max(100, try env.int("JUNCTION_REFRESH_TICK_MS", default: 30_000))),
            tokenLead: .milliseconds(max(0, try env.int("JUNCTION_OAUTH_REFRESH_LEAD_MS", default: 300_000))),
            logger: logger)
        logger.info("refresher ready")
        let group = ServiceGroup(configuration: .init(services: [.init(service: processor), .init(service: scheduler)],
                                                      gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        try await http.client.shutdown()
    }
}
