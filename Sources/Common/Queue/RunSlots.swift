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

    /// `acquireScript`, then (only with a slot) the job's XADD: the user's slot set and job
    /// stream share the `{u:<owner>}` hash tag, so one script may touch both.
    private static let acquireAndEnqueueScript = RedisScript("""
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
        if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
        redis.call('ZADD', KEYS[1], ARGV[3], ARGV[4])
        redis.call('PEXPIRE', KEYS[1], ARGV[5])
        redis.call('XADD', KEYS[2], '*', 'job', ARGV[6])
        return 1
        """)

    private func key(_ owner: String) -> String { "junction:{u:\(owner)}:running" }

    /// Takes a slot for `job` until its deadline and, only if there was one, enqueues the
    /// job on `queue`: ONE round trip instead of two on every run's path. False when the
    /// user is at the cap (nothing was enqueued). After an error the slot may or may not
    /// be held; `release` it.
    package func acquireAndEnqueue(_ job: JobEnvelope, on queue: JobQueue) async throws -> Bool {
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let until = job.deadline ?? now + 3_600_000
        let script = Self.acquireAndEnqueueScript
        let tail = ["2", key(job.owner), queue.streamKey(job.kind, owner: job.owner),
                    String(now), String(maxPerUser), String(until), job.id, String(max(1000, until - now + 60_000)), job.jsonText]
        // The ready set and the owners set live outside the user's hash slot, so they are
        // pipelined next to the script, not written from it. When the user is at the cap
        // the owner is marked ready for nothing: a consumer then finds no job, harmlessly.
        let rest = queue.markReadyCommands(job.kind, owner: job.owner)
        let replies: [RESPValue]
        do {
            replies = try await redis.pipeline([["EVALSHA", script.sha] + tail] + rest)
        } catch let error as RedisError where error.kind == .server && error.message.hasPrefix("NOSCRIPT") {
            replies = try await redis.pipeline([["EVAL", script.source] + tail] + rest)
        }
        return replies[0].integer == 1
    }

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
