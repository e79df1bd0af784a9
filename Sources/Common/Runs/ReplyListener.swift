import Foundation
import Jobs
import JunctionCore
import Logging
import Redis
import ServiceLifecycle
import Synchronization

/// Receives job replies for one frontend instance over ONE Redis connection (a blocking
/// `XREAD` on this instance's reply stream) and hands each to the request waiting for it.
package final class ReplyListener: Service, Sendable {
    package let frontendID: String
    private let queue: JobQueue
    private let logger: Logger
    private let waiters = Mutex<[String: Waiter]>([:])
    private let channels = Mutex<[String: AsyncStream<JSONValue>.Continuation]>([:])

    private enum Waiter {
        /// Registered at that instant; nobody waits yet.
        case registered(ContinuousClock.Instant)
        case waiting(CheckedContinuation<JobReply?, Never>, deadline: ContinuousClock.Instant)
        /// Arrived at that instant, before anybody waited.
        case arrived(JobReply, ContinuousClock.Instant)
    }

    package init(queue: JobQueue, frontendID: String = UUID().uuidString.lowercased(), logger: Logger) {
        self.queue = queue
        self.frontendID = frontendID
        self.logger = logger
    }

    /// Registers interest in a job's reply. Call before enqueueing the job, so a reply
    /// that arrives before `wait` is called is kept.
    package func register(jobID: String) {
        waiters.withLock { $0[jobID] = .registered(.now) }
    }

    /// Forgets a registration (the job was never enqueued).
    package func unregister(jobID: String) {
        _ = waiters.withLock { $0.removeValue(forKey: jobID) }
    }

    /// Waits for a registered job's reply; `nil` after `timeout`. Timeouts are noticed by
    /// the listening loop, which wakes at least every `sweepInterval`, so `nil` may come up
    /// to that much late: a timer task per wait cost every run two more thread wake-ups.
    package func wait(jobID: String, timeout: Duration) async -> JobReply? {
        let deadline = ContinuousClock.now + timeout
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (cont: CheckedContinuation<JobReply?, Never>) in
                let ready: JobReply?? = waiters.withLock { w in
                    switch w[jobID] {
                    case .arrived(let reply, _):
                        w[jobID] = nil
                        return .some(reply)
                    case .registered:
                        w[jobID] = .waiting(cont, deadline: deadline)
                        return .none
                    case .waiting, nil:
                        return .some(nil)
                    }
                }
                if let ready { cont.resume(returning: ready) }
            }
        } onCancel: {
            self.resolve(jobID: jobID, with: nil)
        }
    }

    /// Events published to `channel` on this instance's reply stream (run progress,
    /// legacy SSE messages), until `unsubscribe`. One subscriber per channel.
    package func subscribe(channel: String) -> AsyncStream<JSONValue> {
        let (stream, continuation) = AsyncStream<JSONValue>.makeStream(bufferingPolicy: .bufferingNewest(1000))
        let old = channels.withLock { c -> AsyncStream<JSONValue>.Continuation? in
            defer { c[channel] = continuation }
            return c[channel]
        }
        old?.finish()
        return stream
    }

    package func unsubscribe(channel: String) {
        channels.withLock { $0.removeValue(forKey: channel) }?.finish()
    }

    private func deliver(event: JSONValue) {
        guard let channel = event["channel"]?.stringValue, let data = event["data"] else { return }
        _ = channels.withLock { $0[channel] }?.yield(data)
    }

    private func resolve(jobID: String, with reply: JobReply?) {
        let cont: CheckedContinuation<JobReply?, Never>? = waiters.withLock { w in
            switch w[jobID] {
            case .waiting(let c, _):
                w[jobID] = nil
                return c
            case .registered:
                if let reply { w[jobID] = .arrived(reply, .now) } else { w[jobID] = nil }
                return nil
            case .arrived, nil:
                if reply == nil { w[jobID] = nil }
                return nil
            }
        }
        cont?.resume(returning: reply)
    }

    /// How often, at the least, waits are checked against their deadlines.
    package static let sweepInterval = Duration.seconds(1)

    /// A registration nobody waits for after this long is forgotten (its request went
    /// away between queueing the run and waiting for it), and so is its reply.
    package static let abandonedAfter = Duration.seconds(600)

    /// Ends the waits whose deadline has passed, and forgets abandoned registrations.
    private func expireWaits() {
        let now = ContinuousClock.now
        let expired: [CheckedContinuation<JobReply?, Never>] = waiters.withLock { w in
            var out: [CheckedContinuation<JobReply?, Never>] = []
            for (id, waiter) in w {
                switch waiter {
                case .waiting(let c, let deadline) where deadline <= now:
                    out.append(c)
                    w[id] = nil
                case .registered(let since) where now - since > Self.abandonedAfter, .arrived(_, let since) where now - since > Self.abandonedAfter:
                    w[id] = nil
                default:
                    break
                }
            }
            return out
        }
        for c in expired { c.resume(returning: nil) }
    }

    /// Entries longer than this (runs that attached images, audio or resources) are
    /// deleted from the stream once read, so their bytes do not stay in Redis until the
    /// stream is trimmed.
    package static let bulkyEntryBytes = 64 * 1024

    /// Resolves the waits and feeds the channels an `XREAD` reply carries; the id of its
    /// last entry, where the next read starts, and the ids of its bulky entries.
    private func handOut(_ reply: RESPValue) -> (last: String?, bulky: [String]) {
        var last: String?
        var bulky: [String] = []
        for stream in reply.array ?? [] {
            guard let pair = stream.array, pair.count == 2 else { continue }
            for entry in pair[1].array ?? [] {
                guard let parts = entry.array, parts.count == 2, let id = parts[0].string else { continue }
                last = id
                let fields = parts[1].array ?? []
                guard fields.count >= 2, let text = fields[1].string else { continue }
                if text.utf8.count > Self.bulkyEntryBytes { bulky.append(id) }
                if fields[0].string == "event" {
                    if let event = try? JSONValue.parse(Data(text.utf8)) { deliver(event: event) }
                } else if fields[0].string == "reply", let decoded = JobReply(jsonText: text) {
                    resolve(jobID: decoded.jobID, with: decoded)
                }
            }
        }
        return (last, bulky)
    }

    package func run() async throws {
        let connection = queue.redis.makeBlockingConnection(label: "redis.replies")
        defer { connection.close() }
        let key = queue.replyKey(frontend: frontendID)
        var lastID = "0-0"
        var lastExpire = Date.distantPast
        logger.info("listening for job replies", metadata: ["frontend": "\(frontendID)"])
        var lastSweep = ContinuousClock.now
        var failures = 0
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            if ContinuousClock.now - lastSweep >= Self.sweepInterval {
                lastSweep = .now
                expireWaits()
            }
            do {
                if Date().timeIntervalSince(lastExpire) > 3600 {
                    // The stream outlives a crashed frontend only by a day.
                    _ = try await queue.redis.pipeline([["XADD", key, "MAXLEN", "~", "10000", "*", "hello", "1"], ["EXPIRE", key, "86400"]])
                    lastExpire = Date()
                }
                // The entries are handed out from the connection's own queue, as soon as they
                // are read: waiting requests resume without first a switch to this task.
                let readCommand = ["XREAD", "COUNT", "200", "BLOCK", String(Self.sweepInterval.milliseconds), "STREAMS", key, lastID]
                let read = Mutex<(last: String?, bulky: [String])>((nil, []))
                _ = try await connection.pipeline([readCommand]) { [self] replies in
                    read.withLock { $0 = handOut(replies[0]) }
                    return nil
                }
                let (last, bulky) = read.withLock { $0 }
                if let id = last { lastID = id }
                if !bulky.isEmpty { _ = try? await queue.redis.send(["XDEL", key] + bulky) }
                if failures > 0 {
                    logger.notice("reply stream readable again", metadata: ["failedReads": "\(failures)"])
                    failures = 0
                }
            } catch {
                // Redis is away: say so once, then retry soon and quietly, so replies flow
                // again within a fraction of a second of Redis. (A Redis that restarted
                // without its data has no stream: XREAD waits for the first new entry, whose
                // id is later than `lastID`, and the stream's expiry is set again with it.)
                if failures == 0 { logger.warning("reply stream read failed; retrying", metadata: ["error": "\(error)"]) }
                failures += 1
                lastExpire = .distantPast
                try? await Task.sleep(for: .milliseconds(200))
            }
        }
    }
}
