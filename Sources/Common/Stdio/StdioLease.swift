import Foundation
import JunctionCore
import Redis

/// Which host runs a user's instance of a stdio source, through Redis: the key
/// `RedisKeys.stdioLease` holds the running host's id with a TTL it renews while the
/// instance runs. A host that needs the instance while another holds it sets
/// `RedisKeys.stdioWant`; the holder stops its instance as soon as no call is in flight
/// and lets go, and the asking host takes over. So two hosts never run the same user's
/// instance (on diverging copies of its data) at once.
package struct StdioLease: Sendable {
    package let redis: RedisClient
    /// This host's id (unique per process).
    package let holder: String
    package let ttl: Duration

    package init(redis: RedisClient, holder: String, ttl: Duration = .seconds(15)) {
        self.redis = redis
        self.holder = holder
        self.ttl = ttl
    }

    /// Takes the lease or, when another host holds it, asks for it; true when held.
    static let takeScript = """
        local v = redis.call('get', KEYS[1])
        if not v then redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2]); redis.call('del', KEYS[2]); return 1 end
        if v == ARGV[1] then redis.call('pexpire', KEYS[1], ARGV[2]); return 1 end
        redis.call('set', KEYS[2], '1', 'PX', ARGV[2])
        return 0
        """
    /// Renews a held lease: 0 lost, 1 held, 3 held and wanted elsewhere.
    static let renewScript = """
        if redis.call('get', KEYS[1]) ~= ARGV[1] then return 0 end
        redis.call('pexpire', KEYS[1], ARGV[2])
        if redis.call('exists', KEYS[2]) == 1 then return 3 end
        return 1
        """
    static let releaseScript = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end"

    /// Takes the lease, waiting up to `wait` for the holder to hand it over.
    package func acquire(owner: String, sourceID: String, wait: Duration) async throws -> Bool {
        let deadline = ContinuousClock.now + wait
        while true {
            let reply = try await redis.send("EVAL", Self.takeScript, "2", RedisKeys.stdioLease(owner: owner, sourceID: sourceID),
                                             RedisKeys.stdioWant(owner: owner, sourceID: sourceID), holder, String(ttl.milliseconds))
            if reply.integer == 1 { return true }
            if ContinuousClock.now >= deadline { return false }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    /// Renews the lease; `held` false when it was lost, `wanted` when another host asks for it.
    package func renew(owner: String, sourceID: String) async throws -> (held: Bool, wanted: Bool) {
        let reply = try await redis.send("EVAL", Self.renewScript, "2", RedisKeys.stdioLease(owner: owner, sourceID: sourceID),
                                         RedisKeys.stdioWant(owner: owner, sourceID: sourceID), holder, String(ttl.milliseconds))
        let value = reply.integer ?? 0
        return (value != 0, value == 3)
    }

    /// Lets go of the lease if this host holds it.
    package func release(owner: String, sourceID: String) async throws {
        _ = try await redis.send("EVAL", Self.releaseScript, "1", RedisKeys.stdioLease(owner: owner, sourceID: sourceID), holder)
    }

    /// The holder of the lease, if any (for tests and diagnostics).
    package func currentHolder(owner: String, sourceID: String) async throws -> String? {
        try await redis.send("GET", RedisKeys.stdioLease(owner: owner, sourceID: sourceID)).string
    }
}
