import Foundation
import JunctionMetrics
import Redis
import Secrets

/// Why the throttle refused a request.
struct ThrottleRefusal: Error, Sendable, Equatable {
    /// The bucket that was empty; nil when the throttle could not be consulted (Redis down).
    var bucket: ThrottleBucket?
    /// Whole seconds until a retry can pass (`Retry-After`).
    var retryAfter: Int

    /// A sentence for the caller.
    var message: String {
        guard let bucket else { return "Sign-in and client registration are unavailable for a moment (the shared store did not answer); try again in \(retryAfter) seconds." }
        return "\(bucket.refusal); try again in \(retryAfter) second\(retryAfter == 1 ? "" : "s")."
    }

    /// 429, or 503 when the throttle itself was unavailable.
    var status: Int { bucket == nil ? 503 : 429 }
}

/// Limits on anonymous endpoints, in Redis so that every frontend shares them. One Lua
/// script refills and takes (or only inspects) a token bucket atomically on the Redis
/// server's clock. When Redis does not answer, the throttled work is refused (503) rather
/// than done unthrottled: the password hash is the expensive part it guards.
struct AbuseThrottle: Sendable {
    let redis: RedisClient
    let limits: [ThrottleBucket: ThrottleLimit]

    static let script = RedisScript("""
        local now_t = redis.call('TIME')
        local now = tonumber(now_t[1]) * 1000 + math.floor(tonumber(now_t[2]) / 1000)
        local capacity = tonumber(ARGV[1])
        local window = tonumber(ARGV[2])
        local take = tonumber(ARGV[3])
        local rate = capacity / window
        local data = redis.call('HMGET', KEYS[1], 't', 'ts')
        local tokens = tonumber(data[1])
        local ts = tonumber(data[2])
        if tokens == nil or ts == nil then tokens = capacity; ts = now end
        if now > ts then tokens = math.min(capacity, tokens + (now - ts) * rate) end
        local allowed = 0
        local wait = 0
        if tokens >= 1 then
          allowed = 1
          if take == 1 then tokens = tokens - 1 end
        else
          wait = math.ceil((1 - tokens) * window / capacity)
        end
        redis.call('HSET', KEYS[1], 't', tostring(tokens), 'ts', tostring(now))
        redis.call('PEXPIRE', KEYS[1], window + 1000)
        return {allowed, wait}
        """)

    /// The Redis key of one bucket instance; the subject (an address, email or client id)
    /// is hashed so no personal data sits in Redis.
    static func key(_ bucket: ThrottleBucket, _ subject: String) -> String {
        RedisKeys.throttle(bucket: bucket.rawValue, subjectHash: String(TokenHasher.hash(subject.lowercased()).prefix(32)))
    }

    /// Takes one token from each bucket in order; the first empty one refuses (tokens taken
    /// from earlier buckets stay taken: a refused attempt still counts against its address).
    func take(_ checks: [(ThrottleBucket, String)]) async -> ThrottleRefusal? {
        for (bucket, subject) in checks {
            if let refusal = await run(bucket, subject, take: true) { return refusal }
        }
        return nil
    }

    /// Whether `bucket` has a token for `subject`, taking none (failure-counted buckets are
    /// checked before the work and charged only when it fails).
    func check(_ bucket: ThrottleBucket, _ subject: String) async -> ThrottleRefusal? {
        await run(bucket, subject, take: false)
    }

    /// Charges one failure to a failure-counted bucket. Errors are ignored: the check
    /// before the work already refused when Redis was down.
    func charge(_ bucket: ThrottleBucket, _ subject: String) async {
        _ = await run(bucket, subject, take: true)
    }

    private func run(_ bucket: ThrottleBucket, _ subject: String, take: Bool) async -> ThrottleRefusal? {
        guard let limit = limits[bucket] else { return nil }
        do {
            let reply = try await Self.script.run(on: redis, keys: [Self.key(bucket, subject)],
                                                  args: [String(limit.count), String(limit.windowMs), take ? "1" : "0"])
            guard let parts = reply.array, parts.count == 2, let allowed = parts[0].integer else {
                return ThrottleRefusal(bucket: nil, retryAfter: 5)
            }
            if allowed == 1 { return nil }
            let waitMs = max(1, parts[1].integer ?? 1000)
            MetricCatalog.rateLimitRefusals.increment(["limit": bucket.rawValue])
            return ThrottleRefusal(bucket: bucket, retryAfter: max(1, Int((Double(waitMs) / 1000).rounded(.up))))
        } catch {
            return ThrottleRefusal(bucket: nil, retryAfter: 5)
        }
    }
}
