import Foundation
import JunctionCore
import Redis

/// Redis Streams job queue with one stream per (user, kind) and fair, round-robin
/// scheduling across users.
///
/// Keys (spelled in `RedisKeys`; every per-user key carries the `{u:<owner>}` hash tag
/// so a Redis Cluster keeps one user's keys on one node):
/// - `junction:{u:<owner>}:<kind>` — the user's job stream, consumer group `<kind>-workers`;
/// - `junction:ready:<kind>` — sorted set of users with undelivered jobs, scored by the
///   time they joined it. A consumer pops the longest-waiting user, takes ONE job from
///   that user's stream, and puts the user back at the end of the line. A user's
///   backlog of 1,000 jobs therefore delays another user's single job by at most one
///   job per other waiting user;
/// - `junction:owners:<kind>` — every user that ever queued work (for reclaim sweeps);
/// - `junction:reply:<frontend>` — one reply stream per frontend instance.
package struct JobQueue: JobDriver {
    package let redis: RedisClient

    package init(redis: RedisClient) {
        self.redis = redis
    }

    /// The user's stream of jobs of `kind`.
    package func streamKey(_ kind: JobKind, owner: String) -> String { RedisKeys.jobStream(kind: kind.rawValue, owner: owner) }
    /// The line of users with undelivered jobs of `kind`.
    package func readyKey(_ kind: JobKind) -> String { RedisKeys.readyOwners(kind: kind.rawValue) }
    /// Every user that ever queued a job of `kind`.
    package func ownersKey(_ kind: JobKind) -> String { RedisKeys.allOwners(kind: kind.rawValue) }
    /// The consumer group of every stream of `kind`.
    package func group(_ kind: JobKind) -> String { "\(kind.rawValue)-workers" }
    /// The reply stream of one frontend instance.
    package func replyKey(frontend: String) -> String { RedisKeys.replyStream(frontend: frontend) }

    /// Microseconds since 1970: at millisecond resolution a user put back in line in the
    /// same millisecond another joined tied with it, and Redis breaks ties by member
    /// name, which favoured some user ids. (1.8e15 is still exact in a double score.)
    private static func nowScore() -> String { String(Int64(Date().timeIntervalSince1970 * 1_000_000)) }

    // MARK: producing

    /// Appends a job to its owner's stream and marks the owner ready.
    package func enqueue(_ job: JobEnvelope) async throws {
        // Producer adds the owner after the entry exists, so an owner popped by a
        // consumer that found nothing is always re-added by the next producer.
        try await redis.pipeline([["XADD", streamKey(job.kind, owner: job.owner), "*", "job", job.jsonText]]
            + markReadyCommands(job.kind, owner: job.owner))
    }

    /// What marks `owner` as having work of `kind`, sent right after its job's XADD.
    package func markReadyCommands(_ kind: JobKind, owner: String) -> [[String]] {
        [["ZADD", readyKey(kind), "NX", Self.nowScore(), owner], ["SADD", ownersKey(kind), owner]]
    }

    /// Sends a reply to the frontend that waits for it.
    package func publishReply(_ reply: JobReply, to frontend: String) async throws {
        try await redis.pipeline(replyCommands(reply, to: frontend))
    }

    /// Sends the reply to `job` to the frontend that waits for it, if any, with `preamble`
    /// in front of it in the same round trip: what must hold before the reply exists (a
    /// run's freed slot: `publishReply(_:for:)` of Runs).
    package func publishReply(_ reply: JobReply, for job: JobEnvelope, after preamble: [[String]]) async throws {
        guard let frontend = job.replyTo else { return }
        try await redis.pipeline(preamble + replyCommands(reply, to: frontend))
    }

    private func replyCommands(_ reply: JobReply, to frontend: String) -> [[String]] {
        let key = replyKey(frontend: frontend)
        return [["XADD", key, "MAXLEN", "~", "10000", "*", "reply", reply.jsonText], ["EXPIRE", key, "86400"]]
    }

    // MARK: consuming

    /// A blocking connection of its own: a consumer's `BZPOPMIN` must not hold up others.
    package func makeReader(for kind: JobKind) -> RedisBlockingConnection {
        redis.makeBlockingConnection(label: "redis.\(kind.rawValue).pop")
    }

    package func closeReader(_ reader: RedisBlockingConnection) { reader.close() }

    package func nextJob(_ kind: JobKind, reader: RedisBlockingConnection, consumer: String, timeoutSeconds: Double,
                         claiming: @escaping @Sendable () -> Bool) async throws -> JobDelivery? {
        try await nextJob(kind, on: reader, consumer: consumer, timeoutSeconds: timeoutSeconds, claiming: claiming)
    }

    /// Waits (blocking on `connection`, off the cooperative pool) for the user that has
    /// waited longest. `nil` when nobody became ready within `timeoutSeconds`.
    package func nextReadyOwner(_ kind: JobKind, on connection: RedisBlockingConnection, timeoutSeconds: Double) async throws -> String? {
        Self.poppedOwner(try await connection.send(popCommand(kind, timeoutSeconds: timeoutSeconds)))
    }

    /// Waits for the user that has waited longest, as `nextReadyOwner`, and takes that
    /// user's next job, as `claimNext`, in one turn of `connection`'s queue (see
    /// `RedisConnection.pipeline(_:then:)`). `nil` when nobody became ready in time, or
    /// the popped user had no job left.
    ///
    /// `claiming` is asked once a user is popped, right before the claim: when it says no
    /// (the consumer began shutting down while it waited), the user goes back in line
    /// with the score it had, in the same turn, and nothing is claimed. Should the claim
    /// fail, the user goes back in line too: its job is not stranded in a stream nobody
    /// is told about.
    package func nextJob(_ kind: JobKind, on connection: RedisBlockingConnection, consumer: String, timeoutSeconds: Double,
                         claiming: @escaping @Sendable () -> Bool = { true }) async throws -> JobDelivery? {
        let reply = try await connection.pipeline([popCommand(kind, timeoutSeconds: timeoutSeconds)]) { [self] replies in
            guard let (owner, score) = Self.popped(replies[0]) else { return nil }
            guard claiming() else { return [["ZADD", readyKey(kind), "NX", score, owner]] }
            return claimCommands(kind, owner: owner, consumer: consumer)
        }
        guard let (owner, _) = Self.popped(reply.first[0]) else { return nil }
        do {
            switch reply.then {
            case .success(let replies)? where replies.count == 3: return claimed(kind, owner: owner, replies: replies)
            case .success?: return nil  // put back in line: not claiming any more
            case .failure(let error)? where error.isNoGroup: return try await claimNext(kind, owner: owner, consumer: consumer)
            case .failure(let error)?: throw error
            case nil: return nil
            }
        } catch {
            _ = try? await redis.send("ZADD", readyKey(kind), "NX", Self.nowScore(), owner)
            throw error
        }
    }

    private func popCommand(_ kind: JobKind, timeoutSeconds: Double) -> [String] {
        ["BZPOPMIN", readyKey(kind), String(format: "%.3f", timeoutSeconds)]
    }

    private static func poppedOwner(_ reply: RESPValue) -> String? {
        popped(reply)?.owner
    }

    /// The user `BZPOPMIN` popped and the score it had in line.
    private static func popped(_ reply: RESPValue) -> (owner: String, score: String)? {
        guard let items = reply.array, items.count == 3, let owner = items[1].string, let score = items[2].string else { return nil }
        return (owner, score)
    }

    /// With the job, in the same round trip: how many entries the stream still holds and
    /// how many of them are delivered-but-unacknowledged; the difference is the owner's
    /// undelivered backlog. (Putting every owner back in line unconditionally made the
    /// consumer pop it again at once and read an empty stream, two wasted round trips in
    /// the middle of every run.)
    private func claimCommands(_ kind: JobKind, owner: String, consumer: String) -> [[String]] {
        let stream = streamKey(kind, owner: owner)
        return [
            ["XREADGROUP", "GROUP", group(kind), consumer, "COUNT", "1", "STREAMS", stream, ">"],
            ["XLEN", stream],
            ["XPENDING", stream, group(kind)],
        ]
    }

    /// Takes the next undelivered job of `owner`, if any, and puts the owner back in line
    /// when it has more.
    package func claimNext(_ kind: JobKind, owner: String, consumer: String) async throws -> JobDelivery? {
        let commands = claimCommands(kind, owner: owner, consumer: consumer)
        let replies: [RESPValue]
        do {
            replies = try await redis.pipeline(commands)
        } catch let error as RedisError where error.isNoGroup {
            try await ensureGroup(kind, stream: streamKey(kind, owner: owner))
            replies = try await redis.pipeline(commands)
        }
        return claimed(kind, owner: owner, replies: replies)
    }

    /// The job `claimCommands` read, putting its owner back in line when it has more.
    private func claimed(_ kind: JobKind, owner: String, replies: [RESPValue]) -> JobDelivery? {
        let stream = streamKey(kind, owner: owner)
        guard let delivery = Self.parseReadReply(replies[0], stream: stream, kind: kind).first else { return nil }
        let undelivered = (replies[1].integer ?? 0) - (replies[2].array?.first?.integer ?? 0)
        if undelivered > 0 {
            // Off the job's critical path: the job starts while the owner goes back in line.
            // A producer that adds a job after this read puts the owner back itself; should
            // this fail, the reclaim sweep re-queues owners with undelivered jobs.
            let (redis, key, score) = (redis, readyKey(kind), Self.nowScore())
            Task { _ = try? await redis.send("ZADD", key, "NX", score, owner) }
        }
        return delivery
    }

    /// Acknowledges and removes a finished job.
    package func ack(_ delivery: JobDelivery) async throws {
        try await redis.pipeline([
            ["XACK", delivery.stream, group(delivery.envelope.kind), delivery.entryID],
            ["XDEL", delivery.stream, delivery.entryID],
        ])
    }

    /// Resets the idle time of jobs still being worked on, so the reclaimer knows their
    /// worker is alive.
    package func touch(_ deliveries: [JobDelivery], consumer: String) async throws {
        let byStream = Dictionary(grouping: deliveries, by: \.stream)
        let commands = byStream.map { stream, items in
            ["XCLAIM", stream, group(items[0].envelope.kind), consumer, "0"] + items.map(\.entryID) + ["JUSTID"]
        }
        if !commands.isEmpty { try await redis.pipeline(commands) }
    }

    /// Claims jobs whose worker has not touched them for `minIdle` (presumed dead), and
    /// re-marks owners whose streams hold undelivered jobs but are not in line (a
    /// consumer died between popping an owner and reading its stream).
    package func reclaimStale(_ kind: JobKind, consumer: String, minIdle: Duration) async throws -> [JobDelivery] {
        let minIdleMs = String(minIdle.milliseconds)
        guard let owners = try await redis.send("SMEMBERS", ownersKey(kind)).array?.compactMap(\.string) else { return [] }
        var claimed: [JobDelivery] = []
        for owner in owners {
            let stream = streamKey(kind, owner: owner)
            var cursor = "0-0"
            repeat {
                let reply: RESPValue
                do {
                    reply = try await redis.send("XAUTOCLAIM", stream, group(kind), consumer, minIdleMs, cursor, "COUNT", "100")
                } catch let error as RedisError where error.isNoGroup {
                    break
                }
                guard let parts = reply.array, parts.count >= 2 else { break }
                cursor = parts[0].string ?? "0-0"
                for entry in parts[1].array ?? [] {
                    if let delivery = Self.parseEntry(entry, stream: stream, kind: kind) { claimed.append(delivery) }
                }
            } while cursor != "0-0"

            let length: Int, pending: Int
            do {
                let counts = try await redis.pipeline([["XLEN", stream], ["XPENDING", stream, group(kind)]])
                (length, pending) = (counts[0].integer ?? 0, counts[1].array?.first?.integer ?? 0)
            } catch let error as RedisError where error.isNoGroup {
                // The group is gone (Redis restarted without its data) but the stream is not:
                // jobs queued since. Without a group nobody has any of them, so all wait.
                length = try await redis.send("XLEN", stream).integer ?? 0
                pending = 0
                if length > 0 { try await ensureGroup(kind, stream: stream) }
            }
            if length > pending {
                try await redis.send("ZADD", readyKey(kind), "NX", Self.nowScore(), owner)
            }
        }
        return claimed
    }

    private func ensureGroup(_ kind: JobKind, stream: String) async throws {
        do {
            try await redis.send("XGROUP", "CREATE", stream, group(kind), "0", "MKSTREAM")
        } catch let error as RedisError where error.kind == .server && error.message.hasPrefix("BUSYGROUP") {
            // Another consumer created it first.
        }
    }

    static func parseReadReply(_ reply: RESPValue, stream: String, kind: JobKind) -> [JobDelivery] {
        guard let streams = reply.array else { return [] }
        var out: [JobDelivery] = []
        for s in streams {
            guard let pair = s.array, pair.count == 2, let entries = pair[1].array else { continue }
            for entry in entries {
                if let d = parseEntry(entry, stream: stream, kind: kind) { out.append(d) }
            }
        }
        return out
    }

    static func parseEntry(_ entry: RESPValue, stream: String, kind: JobKind) -> JobDelivery? {
        guard let parts = entry.array, parts.count == 2, let id = parts[0].string, let fields = parts[1].array else { return nil }
        var i = 0
        while i + 1 < fields.count {
            if fields[i].string == "job", let text = fields[i + 1].string, let envelope = JobEnvelope(jsonText: text) {
                return JobDelivery(stream: stream, entryID: id, envelope: envelope)
            }
            i += 2
        }
        // An entry we cannot read is still returned so it can be acknowledged away.
        return JobDelivery(stream: stream, entryID: id,
                           envelope: JobEnvelope(id: "unreadable-\(id)", kind: kind, owner: "", body: .null))
    }
}
