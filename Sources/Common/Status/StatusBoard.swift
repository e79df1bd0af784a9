import Foundation
import JunctionCore
import Redis

/// The live status of a deployment, in Redis: every process's heartbeat and the latest
/// failures. All its keys carry the `{status}` hash tag (`RedisKeys`), so on a Redis
/// Cluster they share one slot; every command names one key.
///
/// A heartbeat is a hash that expires `ttl` after it was last written, plus an entry in a
/// sorted set scored by when; a process that stops beating disappears within `ttl` even if
/// it died without a word, and one that stops on SIGTERM removes itself at once.
package struct StatusBoard: Sendable {
    package let redis: RedisClient
    /// How long a heartbeat counts (three beats, so one late beat does not drop a process).
    package let ttl: Duration
    /// How many failures are kept.
    package let failuresKept: Int

    package init(redis: RedisClient, ttl: Duration, failuresKept: Int = 50) {
        self.redis = redis
        self.ttl = max(ttl, .seconds(1))
        self.failuresKept = failuresKept
    }

    /// Writes (renews) `beat`.
    package func publish(_ beat: ProcessHeartbeat) async throws {
        let key = RedisKeys.processHeartbeat(id: beat.id)
        let now = Int(ProcessHeartbeat.ms(beat.lastSeen))
        let write: [String] = ["HSET", key] + beat.fields
        let forgetBefore = now - 10 * ttl.milliseconds
        try await redis.pipeline([
            write,
            ["PEXPIRE", key, String(ttl.milliseconds)],
            ["ZADD", RedisKeys.processIndex, String(now), beat.id],
            // Forget ids that stopped beating long ago (their hashes expired by themselves).
            ["ZREMRANGEBYSCORE", RedisKeys.processIndex, "-inf", String(forgetBefore)],
        ])
    }

    /// Removes a process that is stopping.
    package func remove(id: String) async throws {
        try await redis.pipeline([["DEL", RedisKeys.processHeartbeat(id: id)], ["ZREM", RedisKeys.processIndex, id]])
    }

    /// The processes that beat within `ttl`, by kind, then host, then start.
    package func live(now: Date = Date()) async throws -> [ProcessHeartbeat] {
        let since = Int(ProcessHeartbeat.ms(now)) - ttl.milliseconds
        let reply = try await redis.send("ZRANGEBYSCORE", RedisKeys.processIndex, String(since), "+inf")
        let ids: [String] = reply.array?.compactMap { $0.string } ?? []
        if ids.isEmpty { return [] }
        let replies = try await redis.pipeline(ids.map { ["HGETALL", RedisKeys.processHeartbeat(id: $0)] })
        var beats: [ProcessHeartbeat] = []
        for reply in replies {
            let pairs: [String] = reply.array?.compactMap { $0.string } ?? []
            if let beat = ProcessHeartbeat(pairs: pairs) { beats.append(beat) }
        }
        return beats.sorted { a, b in
            if a.kind != b.kind { return a.kind < b.kind }
            if a.host != b.host { return a.host < b.host }
            if a.started != b.started { return a.started < b.started }
            return a.id < b.id
        }
    }

    /// Records a failure (newest first, the list capped). Errors are ignored: status
    /// bookkeeping never fails the work it describes.
    package func record(_ failure: RecentFailure) async {
        _ = try? await redis.pipeline([
            ["LPUSH", RedisKeys.recentFailures, failure.jsonText],
            ["LTRIM", RedisKeys.recentFailures, "0", String(failuresKept - 1)],
        ])
    }

    /// The latest failures, newest first.
    package func recentFailures(limit: Int = 20) async throws -> [RecentFailure] {
        let items = try await redis.send("LRANGE", RedisKeys.recentFailures, "0", String(max(1, limit) - 1)).array ?? []
        return items.compactMap { $0.string.flatMap(RecentFailure.init(jsonText:)) }
    }
}
