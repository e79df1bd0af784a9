import Foundation
import JunctionCore
import Redis
import Secrets
import Upstream

/// Configuration shared by every Junction process.
///
/// | key | meaning | default |
/// |---|---|---|
/// | `REDIS_URL` | `redis://host:port[/db]` or `unix:///path` | `redis://127.0.0.1:6379` |
/// | `JUNCTION_DATA_DIR` | folder for state | `./.data` |
/// | `JUNCTION_DATABASE_PATH` | SQLite file | `$JUNCTION_DATA_DIR/junction.sqlite` |
/// | `JUNCTION_MASTER_KEY` (secret) | base64 of 32 bytes; encrypts source secrets | required |
/// | `JUNCTION_MASTER_KEY_FILE` (secret) | file holding the key instead of the variable | – |
/// | `JUNCTION_MASTER_KEY_ID` | id of the active master key | `k1` |
/// | `JUNCTION_OLD_MASTER_KEYS` (secret) | `id:base64,id:base64` keys still accepted for decryption | – |
/// | `JUNCTION_ALLOW_LOOPBACK_HTTP` | development only: plain HTTP and loopback upstreams | off |
/// | `JUNCTION_VISIBILITY_TIMEOUT_MS` | a job unacknowledged this long is presumed lost | 30000 |
/// | `JUNCTION_LOG_LEVEL` | trace…critical | info |
package struct CommonConfiguration: Sendable {
    package var redisURL: RedisURL
    package var databasePath: String
    package var dataDirectory: String
    package var keyring: Keyring
    package var outboundPolicy: OutboundPolicy
    package var visibilityTimeout: Duration
    package var logLevel: String

    package init(environment env: Environment = Environment()) throws {
        redisURL = try RedisURL(env.string("REDIS_URL", default: "redis://127.0.0.1:6379"))
        dataDirectory = env.string("JUNCTION_DATA_DIR", default: "./.data")
        databasePath = env.string("JUNCTION_DATABASE_PATH") ?? (dataDirectory as NSString).appendingPathComponent("junction.sqlite")
        keyring = try Keyring(environment: env)
        outboundPolicy = OutboundPolicy(allowLoopbackHTTP: env.bool("JUNCTION_ALLOW_LOOPBACK_HTTP"))
        visibilityTimeout = .milliseconds(try env.int("JUNCTION_VISIBILITY_TIMEOUT_MS", default: 30_000))
        logLevel = env.string("JUNCTION_LOG_LEVEL", default: "info")
    }

    package init(redisURL: RedisURL, databasePath: String, keyring: Keyring, outboundPolicy: OutboundPolicy,
                 visibilityTimeout: Duration = .seconds(30)) {
        self.redisURL = redisURL
        self.databasePath = databasePath
        self.dataDirectory = (databasePath as NSString).deletingLastPathComponent
        self.keyring = keyring
        self.outboundPolicy = outboundPolicy
        self.visibilityTimeout = visibilityTimeout
        self.logLevel = "info"
    }
}
