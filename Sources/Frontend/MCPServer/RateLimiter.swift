import Foundation
import JunctionCore
import Redis
import Synchronization

/// A per-user token bucket in Redis, shared by every frontend instance. One Lua script
/// refills and takes tokens atomically, using the Redis server's clock so instances with
/// skewed clocks agree.
///
/// An instance serving a user's requests in quick succession takes tokens from the Redis
/// bucket a few at a time — a lease of at most a tenth of the burst (`maxLease`), kept for
/// at most `leaseLifetime` — and spends them locally, so a busy user does not cost a Redis
/// round trip per request. Leases double while they run out before expiring and halve
/// when they expire unspent. Tokens only ever come out of the shared bucket, so all
/// instances together never admit more than the limit; the price is that tokens leased by
/// one instance and left unspent are lost to the others for at most `leaseLifetime`. A user
/// sending requests slowly always takes one token per request, exactly as without leases.
/// Once Redis has said the bucket is empty, the instance refuses that user locally until
/// the wait Redis named is over (the bucket only refills with time).
package final class RateLimiter: Sendable {
    /// The outcome of one request against the bucket.
    package enum Decision: Sendable, Equatable {
        case allowed
        /// Refused; a token is available again after this many milliseconds.
        case limited(retryAfterMs: Int)
    }

    private struct Lease {
        var tokens: Int
        var expires: ContinuousClock.Instant
        /// How many tokens the last refill asked for; doubles while leases run out before expiring.
        var size: Int
        /// The bucket was empty: no token before this instant, so no need to ask Redis.
        var emptyUntil: ContinuousClock.Instant?
    }

    package let redis: RedisClient
    /// Sustained requests per second (the refill rate); 0 turns the limiter off.
    package let ratePerSecond: Double
    /// Bucket size: how many requests may come at once after a quiet period.
    package let burst: Int
    /// The most tokens one instance takes from Redis at once.
    package let maxLease: Int
    /// How long leased tokens may be spent.
    package let leaseLifetime: Duration
    private let leases = Mutex<[String: Lease]>([:])
    /// Redis round trips made (for tests and diagnostics).
    package let roundTrips = Atomic<Int>(0)

    package init(redis: RedisClient, ratePerSecond: Double, burst: Int, leaseLifetime: Duration = .seconds(1)) {
        self.redis = redis
        self.ratePerSecond = ratePerSecond
        self.burst = max(1, burst)
        self.maxLease = max(1, min(64, self.burst / 10))
        self.leaseLifetime = leaseLifetime
    }

    package var isEnabled: Bool { ratePerSecond > 0 }

    static let script = RedisScript("""
        local now_t = redis.call('TIME')
        local now = tonumber(now_t[1]) * 1000 + math.floor(tonumber(now_t[2]) / 1000)
        local rate = tonumber(ARGV[1])
        local burst = tonumber(ARGV[2])
        local want = tonumber(ARGV[3])
        local data = redis.call('HMGET', KEYS[1], 't', 'ts')
        local tokens = tonumber(data[1])
        local ts = tonumber(data[2])
        if tokens == nil or ts == nil then tokens = burst; ts = now end
        if now > ts then tokens = math.min(burst, tokens + (now - ts) * rate / 1000) end
        local granted = 0
        local wait = 0
        if tokens >= 1 then
          granted = math.min(want, math.floor(tokens))
          tokens = tokens - granted
        else
          wait = math.ceil((1 - tokens) * 1000 / rate)
        end
        redis.call('HSET', KEYS[1], 't', tostring(tokens), 'ts', tostring(now))
        redis.call('PEXPIRE', KEYS[1], math.ceil(burst * 1000 / rate) + 1000)
        return {granted, wait}
        """)

    private func key(_ owner: String) -> String { RedisKeys.rate(owner: owner) }

    /// Takes one token for a request of `owner`'s: from this instance's lease, or from the
    /// shared bucket.
    package func take(owner: String) async throws -> Decision {
        guard isEnabled else { return .allowed }
        let now = ContinuousClock.now
        let want: Int? = leases.withLock { leases -> Int? in
            if let until = leases[owner]?.emptyUntil, until > now { return 0 }
            if var lease = leases[owner], lease.expires > now {
                if lease.tokens > 0 {
                    lease.tokens -= 1
                    leases[owner] = lease
                    return nil
                }
                // Spent before it expired: this user is busy here, lease more next time.
                return min(maxLease, lease.size * 2)
            }
            if leases.count > 10_000 { leases = leases.filter { $0.value.expires > now } }
            // Just expired with tokens left: this user is less busy here than the lease
            // assumed. Long expired: a fresh start.
            if let old = leases[owner], now - old.expires < leaseLifetime { return max(1, old.size / 2) }
            return 1
        }
        guard let want else { return .allowed }
        if want == 0, let until = leases.withLock({ $0[owner]?.emptyUntil }) {
            return .limited(retryAfterMs: max(1, (until - now).milliseconds))
        }
        roundTrips.add(1, ordering: .relaxed)
        let reply = try await Self.script.run(on: redis, keys: [key(owner)], args: [String(ratePerSecond), String(burst), String(want)])
        guard let parts = reply.array, parts.count == 2, let granted = parts[0].integer else { return .allowed }
        guard granted >= 1 else {
            let wait = max(1, parts[1].integer ?? 1000)
            // The bucket only refills with time, so until then every instance would be refused too.
            leases.withLock { $0[owner] = Lease(tokens: 0, expires: now, size: 1, emptyUntil: now + .milliseconds(wait)) }
            return .limited(retryAfterMs: wait)
        }
        leases.withLock { leases in
            // Concurrent refills add up rather than overwrite each other's tokens.
            var lease = leases[owner].flatMap { $0.expires > now ? $0 : nil } ?? Lease(tokens: 0, expires: now, size: 1, emptyUntil: nil)
            lease.tokens += granted - 1
            lease.size = want
            lease.expires = now + leaseLifetime
            lease.emptyUntil = nil
            leases[owner] = lease
        }
        return .allowed
    }
}
