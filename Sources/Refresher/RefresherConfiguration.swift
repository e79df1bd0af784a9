import Catalog
import Config
import Configuration
import Foundation

/// Configuration of a refresher: how many refreshes at once, how often catalogs are
/// re-listed, and how much one source's catalog may cost. Built once from a `ConfigReader`
/// at start-up; the keys are `RefresherConfiguration.keys` beside `CommonConfiguration.keys`,
/// documented in `ops/docs/CONFIGURATION.md`.
package struct RefresherConfiguration: Sendable, CustomStringConvertible {
    package var common: CommonConfiguration
    package var concurrency: Int
    package var maxSpecBytes: Int
    package var indexLimits: IndexLimits
    package var interval: Duration
    package var tick: Duration
    package var tokenLead: Duration

    package init(reader: ConfigReader) throws {
        common = try CommonConfiguration(reader: reader)
        concurrency = max(1, try reader.int(.refreshConcurrency, default: 2))
        maxSpecBytes = try reader.int(.specMaxBytes, default: 25 * 1024 * 1024)
        indexLimits = IndexLimits(maxNodes: try reader.int(.indexMaxNodes, default: IndexLimits.standard.maxNodes),
                                  maxOperations: try reader.int(.indexMaxOperations, default: IndexLimits.standard.maxOperations))
        interval = .milliseconds(max(1000, try reader.int(.refreshInterval, default: 6 * 3600 * 1000)))
        tick = .milliseconds(max(100, try reader.int(.refreshTick, default: 30_000)))
        tokenLead = .milliseconds(max(0, try reader.int(.oauthRefreshLead, default: 300_000)))
    }

    /// The keys it reads besides `CommonConfiguration.keys`, in the order of the reference.
    package static let keys: [ConfigurationKey] = [
        .specMaxBytes, .indexMaxNodes, .indexMaxOperations, .refreshConcurrency, .refreshInterval, .refreshTick, .oauthRefreshLead,
    ]

    package var description: String { redactedDescription(of: self, secret: []) }
}

extension ConfigurationKey {
    static let refreshConcurrency = ConfigurationKey("junction.refresh.concurrency", variable: "JUNCTION_REFRESH_CONCURRENCY", default: .value("2"))
    static let specMaxBytes = ConfigurationKey("junction.specMaxBytes", variable: "JUNCTION_SPEC_MAX_BYTES", default: .value("26214400"))
    static let indexMaxNodes = ConfigurationKey("junction.index.maxNodes", variable: "JUNCTION_INDEX_MAX_NODES", default: .value("5000000"))
    static let indexMaxOperations = ConfigurationKey("junction.index.maxOperations", variable: "JUNCTION_INDEX_MAX_OPERATIONS",
                                                     default: .value("50000"))
    static let refreshInterval = ConfigurationKey("junction.refresh.intervalMS", variable: "JUNCTION_REFRESH_INTERVAL_MS",
                                                  default: .value("21600000"))
    static let refreshTick = ConfigurationKey("junction.refresh.tickMS", variable: "JUNCTION_REFRESH_TICK_MS", default: .value("30000"))
    static let oauthRefreshLead = ConfigurationKey("junction.oauth.refreshLeadMS", variable: "JUNCTION_OAUTH_REFRESH_LEAD_MS",
                                                   default: .value("300000"))
}
