import Config
import Foundation
import JunctionCore

/// Configuration of a frontend instance.
///
/// | key | meaning | default |
/// |---|---|---|
/// | `JUNCTION_HOST` | listen address | `127.0.0.1` |
/// | `JUNCTION_PORT` | listen port | 8080 |
/// | `JUNCTION_PUBLIC_URL` | the URL clients use (Origin checks, links) | `http://HOST:PORT` |
/// | `JUNCTION_ALLOWED_ORIGINS` | extra browser origins allowed on /mcp, comma-separated | – |
/// | `JUNCTION_MAX_BODY_BYTES` | largest request body | 1048576 |
/// | `JUNCTION_EXECUTE_TIMEOUT_MS` | wall time of one run | 30000 |
/// | `JUNCTION_QUEUE_WAIT_MS` | how long a run may wait for a free worker | 15000 |
/// | `JUNCTION_MAX_CODE_BYTES` | largest code accepted by search/execute | 100000 |
/// | `JUNCTION_MAX_RUNS_PER_USER` | runs one user may have in flight | 4 |
/// | `JUNCTION_RATE_LIMIT_PER_SECOND` | MCP requests per second one user may make, sustained (token bucket in Redis shared by all instances; 0 = off) | 20 |
/// | `JUNCTION_RATE_LIMIT_BURST` | MCP requests one user may make at once after a quiet period (bucket size) | 100 |
/// | `JUNCTION_AUTH_CACHE_MS` | how long /mcp may reuse a bearer-token lookup while the store's auth epoch is unchanged (at most 600000; revocation, disabling and expiry still apply on the next request; 0 = a full lookup per request) | 60000 |
/// | `JUNCTION_SSE_KEEPALIVE_MS` | interval of keep-alive comments on MCP event streams (also how soon a closed stream is noticed) | 15000 |
package struct FrontendConfiguration: Sendable {
    package var common: CommonConfiguration
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

    package init(environment env: Environment = Environment()) throws {
        common = try CommonConfiguration(environment: env)
        host = env.string("JUNCTION_HOST", default: "127.0.0.1")
        port = try env.int("JUNCTION_PORT", default: 8080)
        publicURL = env.string("JUNCTION_PUBLIC_URL") ?? "http://\(host):\(port)"
        allowedOrigins = Set((env.string("JUNCTION_ALLOWED_ORIGINS") ?? "").split(separator: ",").map {
            $0.trimmingCharacters(in: .whitespaces).lowercased()
        })
        maxBodyBytes = try env.int("JUNCTION_MAX_BODY_BYTES", default: 1_048_576)
        executeTimeout = .milliseconds(max(100, try env.int("JUNCTION_EXECUTE_TIMEOUT_MS", default: 30_000)))
        queueWait = .milliseconds(try env.int("JUNCTION_QUEUE_WAIT_MS", default: 15_000))
        maxCodeBytes = try env.int("JUNCTION_MAX_CODE_BYTES", default: 100_000)
        maxRunsPerUser = max(1, try env.int("JUNCTION_MAX_RUNS_PER_USER", default: 4))
        rateLimitPerSecond = try env.double("JUNCTION_RATE_LIMIT_PER_SECOND", default: 20)
        rateLimitBurst = max(1, try env.int("JUNCTION_RATE_LIMIT_BURST", default: 100))
        sseKeepAlive = .milliseconds(max(50, try env.int("JUNCTION_SSE_KEEPALIVE_MS", default: 15_000)))
        authCache = .milliseconds(min(600_000, max(0, try env.int("JUNCTION_AUTH_CACHE_MS", default: 60_000))))
    }
}
