import Foundation
import JunctionCore
import Secrets

/// A lock shared by every Junction process through Redis: `SET key token NX PX ttl`,
/// released only by its holder (a Lua script compares the token before deleting), so a
/// holder whose lock expired cannot release someone else's.
package struct RedisLock: Sendable {
    package let redis: RedisClient
    package let key: String
    package let ttl: Duration

    static let releaseScript = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end"

    package init(redis: RedisClient, key: String, ttl: Duration = .seconds(30)) {
        self.redis = redis
        self.key = key
        self.ttl = ttl
    }

    /// Tries once; returns the holder token when acquired.
    package func tryAcquire() async throws -> String? {
        let token = RandomToken.token(bytes: 16)
        let reply = try await redis.send("SET", key, token, "NX", "PX", String(ttl.milliseconds))
        return reply.string == "OK" ? token : nil
    }

    /// Waits up to `wait` for the lock, polling with a short backoff.
    package func acquire(wait: Duration) async throws -> String? {
        let deadline = ContinuousClock.now + wait
        var pause = Duration.milliseconds(20)
        while true {
            if let token = try await tryAcquire() { return token }
            if ContinuousClock.now + pause > deadline { return nil }
            try await Task.sleep(for: pause)
            pause = min(pause * 2, .milliseconds(250))
        }
    }

    /// Releases the lock if `token` still holds it; returns whether it did.
    @discardableResult
    package func release(_ token: String) async throws -> Bool {
        try await redis.send("EVAL", Self.releaseScript, "1", key, token).integer == 1
    }

    /// Runs `body` holding the lock; throws `lock_timeout` when it cannot be had in `wait`.
    package func withLock<T: Sendable>(wait: Duration, _ body: () async throws -> T) async throws -> T {
        guard let token = try await acquire(wait: wait) else {
            throw JunctionError("lock_timeout", "another process holds \(key) for too long; try again", status: 503)
        }
        do {
            let value = try await body()
            try? await release(token)
            return value
        } catch {
            try? await release(token)
            throw error
        }
    }
}
