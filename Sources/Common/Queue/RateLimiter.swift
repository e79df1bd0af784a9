import Foundation

/// A per-user token bucket in Redis, shared by every frontend instance. One Lua script
/// refills and takes a token atomically, using the Redis server's clock so instances
/// with skewed clocks agree.
package struct RateLimiter: Sendable {
    /// The outcome of one request against the bucket.
    package enum Decision: Sendable, Equatable {
        case allowed
        /// Refused; a token is available again after this many milliseconds.
        case limited(retryAfterMs: Int)
    }

    package let redis: RedisClient
    /// Sustained requests per second (the refill rate); 0 turns the limiter off.
    package let ratePerSecond: Double
    /// Bucket size: how many requests may come at once after a quiet period.
    package let burst: Int

    package init(redis: RedisClient, ratePerSecond: Double, burst: Int) {
        self.redis = redis
        self.ratePerSecond = ratePerSecond
        self.burst = max(1, burst)
    }

    package var isEnabled: Bool { ratePerSecond > 0 }

    static let script = RedisScript("""
        local now_t = redis.call('TIME')
        local now = tonumber(now_t[1]) * 1000 + math.floor(tonumber(now_t[2]) / 1000)
        local rate = tonumber(ARGV[1])
        local burst = tonumber(ARGV[2])
        local data = redis.call('HMGET', KEYS[1], 't', 'ts')
        local tokens = tonumber(data[1])
        local ts = tonumber(data[2])
        if tokens == nil or ts == nil then tokens = burst; ts = now end
        if now > ts then tokens = math.min(burst, tokens + (now - ts) * rate / 1000) end
        local allowed = 0
        local wait = 0
        if tokens >= 1 then
          tokens = tokens - 1
          allowed = 1
        else
          wait = math.ceil((1 - tokens) * 1000 / rate)
        end
        redis.call('HSET', KEYS[1], 't', tostring(tokens), 'ts', tostring(now))
        redis.call('PEXPIRE', KEYS[1], math.ceil(burst * 1000 / rate) + 1000)
        return {allowed, wait}
        """)

    private func key(_ owner: String) -> String { "junction:{u:\(owner)}:rate" }

    /// Takes one token from `owner`'s bucket.
    package func take(owner: String) async throws -> Decision {
        guard isEnabled else { return .allowed }
        let reply = try await Self.script.run(on: redis, keys: [key(owner)], args: [String(ratePerSecond), String(burst)])
        guard let parts = reply.array, parts.count == 2 else { return .allowed }
        if parts[0].integer == 1 { return .allowed }
        return .limited(retryAfterMs: max(1, parts[1].integer ?? 1000))
    }
}
