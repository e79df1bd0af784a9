import Foundation

/// Caps how many runs one user has in flight, across every frontend instance. Each run
/// holds a slot until it finishes or its deadline passes, so a crashed frontend's
/// slots free themselves.
package struct RunSlots: Sendable {
    package let redis: RedisClient
    package let maxPerUser: Int

    package init(redis: RedisClient, maxPerUser: Int) {
        self.redis = redis
        self.maxPerUser = maxPerUser
    }

    private static let acquireScript = RedisScript("""
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
        if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
        redis.call('ZADD', KEYS[1], ARGV[3], ARGV[4])
        redis.call('PEXPIRE', KEYS[1], ARGV[5])
        return 1
        """)

    private func key(_ owner: String) -> String { "junction:{u:\(owner)}:running" }

    /// Takes a slot for `runID` until `deadline`; false when the user is at the cap.
    package func acquire(owner: String, runID: String, deadline: Date) async throws -> Bool {
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let until = Int64(deadline.timeIntervalSince1970 * 1000)
        let reply = try await Self.acquireScript.run(on: redis, keys: [key(owner)], args: [
            String(now), String(maxPerUser), String(until), runID, String(max(1000, until - now + 60_000)),
        ])
        return reply.integer == 1
    }

    package func release(owner: String, runID: String) async {
        _ = try? await redis.send("ZREM", key(owner), runID)
    }
}
