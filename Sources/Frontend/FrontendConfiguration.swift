import Config
import Configuration
import Foundation
import JunctionCore

/// Configuration of a frontend instance: listening, /mcp limits, and (in `auth`) sign-in,
/// throttles and the OAuth authorization server. Built once from a `ConfigReader` at
/// start-up and passed down; the keys are `FrontendConfiguration.keys` (its own and
/// `AuthConfiguration`'s) beside `CommonConfiguration.keys`, documented in
/// `ops/docs/CONFIGURATION.md`.
package struct FrontendConfiguration: Sendable, CustomStringConvertible {
    package var common: CommonConfiguration
    package var auth: AuthConfiguration
    package var host: String
    package var port: Int
    package var publicURL: String
    package var allowedOrigins: Set<String>
    package var maxBodyBytes: Int
    package var executeTimeout: Duration
    package var queueWait: Duration
    package var maxCodeBytes: Int
    package var maxRunsPerUser: Int
    package var rateLimitPerSecond: Double
    package var rateLimitBurst: Int
    package var sseKeepAlive: Duration
    package var authCache: Duration

    package init(reader: ConfigReader) throws {
        common = try CommonConfiguration(reader: reader)
        auth = try AuthConfiguration(reader: reader)
        host = reader.string(.host, default: "127.0.0.1")
        port = try reader.int(.port, default: 8080)
        let publicURL = reader.string(.publicURL)
        self.publicURL = publicURL ?? "http://\(host):\(port)"
        allowedOrigins = Set(reader.lowercasedList(.allowedOrigins))
        maxBodyBytes = try reader.int(.maxBodyBytes, default: 1_048_576)
        executeTimeout = .milliseconds(max(100, try reader.int(.executeTimeout, default: 30_000)))
        queueWait = .milliseconds(try reader.int(.queueWait, default: 15_000))
        maxCodeBytes = try reader.int(.maxCodeBytes, default: 100_000)
        maxRunsPerUser = max(1, try reader.int(.maxRunsPerUser, default: 4))
        rateLimitPerSecond = try reader.double(.rateLimitPerSecond, default: 20)
        rateLimitBurst = max(1, try reader.int(.rateLimitBurst, default: 100))
        sseKeepAlive = .milliseconds(max(50, try reader.int(.sseKeepAlive, default: 15_000)))
        authCache = .milliseconds(min(600_000, max(0, try reader.int(.authCache, default: 60_000))))
    }

    /// The keys it reads besides `CommonConfiguration.keys`, in the order of the reference.
    package static let keys: [ConfigurationKey] = [
        .host, .port, .publicURL, .allowedOrigins, .maxBodyBytes, .maxCodeBytes, .maxRunsPerUser, .executeTimeout,
        .queueWait, .rateLimitPerSecond, .rateLimitBurst, .sseKeepAlive, .authCache,
    ] + AuthConfiguration.keys

    package var description: String { redactedDescription(of: self, secret: []) }
}

extension ConfigurationKey {
    static let host = ConfigurationKey("junction.host", variable: "JUNCTION_HOST", default: .value("127.0.0.1"))
    static let port = ConfigurationKey("junction.port", variable: "JUNCTION_PORT", default: .value("8080"))
    static let publicURL = ConfigurationKey("junction.publicURL", variable: "JUNCTION_PUBLIC_URL", default: .derived("`http://HOST:PORT`"))
    static let allowedOrigins = ConfigurationKey("junction.allowedOrigins", variable: "JUNCTION_ALLOWED_ORIGINS", default: .unset)
    static let maxBodyBytes = ConfigurationKey("junction.maxBodyBytes", variable: "JUNCTION_MAX_BODY_BYTES", default: .value("1048576"))
    static let executeTimeout = ConfigurationKey("junction.executeTimeoutMS", variable: "JUNCTION_EXECUTE_TIMEOUT_MS", default: .value("30000"))
    static let queueWait = ConfigurationKey("junction.queueWaitMS", variable: "JUNCTION_QUEUE_WAIT_MS", default: .value("15000"))
    static let maxCodeBytes = ConfigurationKey("junction.maxCodeBytes", variable: "JUNCTION_MAX_CODE_BYTES", default: .value("100000"))
    static let maxRunsPerUser = ConfigurationKey("junction.maxRunsPerUser", variable: "JUNCTION_MAX_RUNS_PER_USER", default: .value("4"))
    static let rateLimitPerSecond = ConfigurationKey("junction.rateLimit.perSecond", variable: "JUNCTION_RATE_LIMIT_PER_SECOND",
                                                     default: .value("20"))
    static let rateLimitBurst = ConfigurationKey("junction.rateLimit.burst", variable: "JUNCTION_RATE_LIMIT_BURST", default: .value("100"))
    static let sseKeepAlive = ConfigurationKey("junction.sseKeepaliveMS", variable: "JUNCTION_SSE_KEEPALIVE_MS", default: .value("15000"))
    static let authCache = ConfigurationKey("junction.authCacheMS", variable: "JUNCTION_AUTH_CACHE_MS", default: .value("60000"))
}
