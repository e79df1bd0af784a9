import Foundation
import Jobs
import JunctionCore
import Redis

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

    /// What binds a run to the MCP session it was started in. Its keys carry the run
    /// owner's `{u:<owner>}` hash tag, so the enqueue script may touch them.
    package struct SessionBinding: Sendable {
        /// The session that must exist for the run to be queued (its expiry restarts);
        /// nil when the caller already checked it.
        package var sessionKey: String?
        package var sessionTTLSeconds: Int
        /// Where the session remembers the job answering the request (for
        /// `notifications/cancelled`), and for how long.
        package var runKey: String
        package var runTTL: Duration

        package init(sessionKey: String?, sessionTTLSeconds: Int, runKey: String, runTTL: Duration) {
            self.sessionKey = sessionKey
            self.sessionTTLSeconds = sessionTTLSeconds
            self.runKey = runKey
            self.runTTL = runTTL
        }
    }

    /// What `acquireAndEnqueue` did.
    package enum Outcome: Sendable, Equatable {
        case enqueued
        /// The user is at the cap: nothing was queued.
        case atCapacity
        /// The session the run was bound to does not exist: nothing was queued.
        case noSession
    }

    /// The session check, a slot (slots past their deadline dropped first), then, only
    /// with a slot, the job's XADD and the session's note of the job. The user's slot set,
    /// job stream and session keys share the `{u:<owner>}` hash tag, so one script may
    /// touch them all.
    /// KEYS: slots, stream[, run note[, session]]; ARGV: now, cap, until, job id, slots
    /// expiry ms, job JSON, run note expiry ms, session expiry s.
    private static let acquireAndEnqueueScript = RedisScript("""
        if KEYS[4] then
          if redis.call('EXISTS', KEYS[4]) == 0 then return -1 end
          redis.call('EXPIRE', KEYS[4], ARGV[8])
        end
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
        if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
        redis.call('ZADD', KEYS[1], ARGV[3], ARGV[4])
        redis.call('PEXPIRE', KEYS[1], ARGV[5])
        redis.call('XADD', KEYS[2], '*', 'job', ARGV[6])
        if KEYS[3] then redis.call('SET', KEYS[3], ARGV[4], 'PX', ARGV[7]) end
        return 1
        """)

    private static func key(_ owner: String) -> String { RedisKeys.runSlots(owner: owner) }

    /// What frees `runID`'s slot: the worker sends it in the same pipeline as, and before,
    /// the run's reply, so a frontend that got a reply has nothing left to release.
    package static func releaseCommand(owner: String, runID: String) -> [String] { ["ZREM", key(owner), runID] }

    /// What goes in front of any reply to `job`: an execute job's slot release.
    package static func commandsBeforeReply(to job: JobEnvelope) -> [[String]] {
        job.kind == .execute ? [releaseCommand(owner: job.owner, runID: job.id)] : []
    }

    /// Takes a slot for `job` until its deadline and, only if there was one (and the
    /// bound session exists), enqueues the job on `queue`: ONE round trip instead of
    /// three on every run's path. After an error the slot may or may not be held;
    /// `release` it.
    package func acquireAndEnqueue(_ job: JobEnvelope, on queue: JobQueue, session: SessionBinding? = nil) async throws -> Outcome {
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let until = job.deadline ?? now + 3_600_000
        let script = Self.acquireAndEnqueueScript
        var keys = [Self.key(job.owner), queue.streamKey(job.kind, owner: job.owner)]
        if let session {
            keys.append(session.runKey)
            if let sessionKey = session.sessionKey { keys.append(sessionKey) }
        }
        let args = [String(now), String(maxPerUser), String(until), job.id, String(max(1000, until - now + 60_000)), job.jsonText,
                    String(max(1000, session?.runTTL.milliseconds ?? 0)), String(session?.sessionTTLSeconds ?? 0)]
        let tail = [String(keys.count)] + keys + args
        // The ready set and the owners set live outside the user's hash slot, so they are
        // pipelined next to the script, not written from it. When the run was refused the
        // owner is marked ready for nothing: a consumer then finds no job, harmlessly.
        let rest = queue.markReadyCommands(job.kind, owner: job.owner)
        let replies: [RESPValue]
        do {
            replies = try await redis.pipeline([["EVALSHA", script.sha] + tail] + rest)
        } catch let error as RedisError where error.kind == .server && error.message.hasPrefix("NOSCRIPT") {
            replies = try await redis.pipeline([["EVAL", script.source] + tail] + rest)
        }
        switch replies[0].integer {
        case 1: return .enqueued
        case -1: return .noSession
        default: return .atCapacity
        }
    }

    /// Frees `runID`'s slot (for runs that got no reply: the worker frees the others).
    package func release(owner: String, runID: String) async {
        _ = try? await redis.send(Self.releaseCommand(owner: owner, runID: runID))
    }
}
