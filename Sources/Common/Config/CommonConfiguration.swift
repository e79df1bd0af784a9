import Configuration
import Foundation
import JunctionCore
import Redis
import Secrets
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
    package var logLevel: String

    /// Reads every common key (all of them, every time, so an access report lists them all).
    package init(reader: ConfigReader) throws {
        redisURL = try RedisURL(reader.string(.redisURL, default: "redis://127.0.0.1:6379"))
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
        logLevel = reader.string(.logLevel, default: "info")
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
        self.logLevel = "info"
    }

    /// The keys it reads, in the order of the reference.
    package static let keys: [ConfigurationKey] = [
        .masterKey, .masterKeyFile, .masterKeyID, .oldMasterKeys, .redisURL, .databaseURL, .dataDirectory, .databasePath,
        .allowLoopbackHTTP, .visibilityTimeout, .logLevel,
    ]

    package var description: String { redactedDescription(of: self, secret: ["databaseURL"]) }
}

extension ConfigurationKey {
    package static let redisURL = ConfigurationKey("redis.url", variable: "REDIS_URL", default: .value("redis://127.0.0.1:6379"))
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
    package static let logLevel = ConfigurationKey("junction.logLevel", variable: "JUNCTION_LOG_LEVEL", default: .value("info"))
}
