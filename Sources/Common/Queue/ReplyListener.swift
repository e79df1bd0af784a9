import Foundation
import Logging
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
        case registered
        case waiting(CheckedContinuation<JobReply?, Never>)
        case arrived(JobReply)
    }

    package init(queue: JobQueue, frontendID: String = UUID().uuidString.lowercased(), logger: Logger) {
        self.queue = queue
        self.frontendID = frontendID
        self.logger = logger
    }

    /// Registers interest in a job's reply. Call before enqueueing the job, so a reply
    /// that arrives before `wait` is called is kept.
    package func register(jobID: String) {
        waiters.withLock { $0[jobID] = .registered }
    }

    /// Forgets a registration (the job was never enqueued).
    package func unregister(jobID: String) {
        _ = waiters.withLock { $0.removeValue(forKey: jobID) }
    }

    /// Waits for a registered job's reply; `nil` after `timeout`.
    package func wait(jobID: String, timeout: Duration) async -> JobReply? {
        let timer = Task {
            try? await Task.sleep(for: timeout)
            self.resolve(jobID: jobID, with: nil)
        }
        defer { timer.cancel() }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (cont: CheckedContinuation<JobReply?, Never>) in
                let ready: JobReply?? = waiters.withLock { w in
                    switch w[jobID] {
                    case .arrived(let reply):
                        w[jobID] = nil
                        return .some(reply)
                    case .registered:
                        w[jobID] = .waiting(cont)
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
            case .waiting(let c):
                w[jobID] = nil
                return c
            case .registered:
                if let reply { w[jobID] = .arrived(reply) } else { w[jobID] = nil }
                return nil
            case .arrived, nil:
                if reply == nil { w[jobID] = nil }
                return nil
            }
        }
        cont?.resume(returning: reply)
    }

    package func run() async throws {
        let connection = queue.redis.makeBlockingConnection(label: "redis.replies")
        defer { connection.close() }
        let key = queue.replyKey(frontend: frontendID)
        var lastID = "0-0"
        var lastExpire = Date.distantPast
        logger.info("listening for job replies", metadata: ["frontend": "\(frontendID)"])
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                if Date().timeIntervalSince(lastExpire) > 3600 {
                    // The stream outlives a crashed frontend only by a day.
                    _ = try await queue.redis.pipeline([["XADD", key, "MAXLEN", "~", "10000", "*", "hello", "1"], ["EXPIRE", key, "86400"]])
                    lastExpire = Date()
                }
                let reply = try await connection.send(["XREAD", "COUNT", "200", "BLOCK", "1000", "STREAMS", key, lastID])
                for stream in reply.array ?? [] {
                    guard let pair = stream.array, pair.count == 2 else { continue }
                    for entry in pair[1].array ?? [] {
                        guard let parts = entry.array, parts.count == 2, let id = parts[0].string else { continue }
                        lastID = id
                        let fields = parts[1].array ?? []
                        if fields.count >= 2, fields[0].string == "event", let text = fields[1].string {
                            if let event = try? JSONValue.parse(Data(text.utf8)) { deliver(event: event) }
                            continue
                        }
                        guard fields.count >= 2, fields[0].string == "reply", let text = fields[1].string,
                              let decoded = JobReply(jsonText: text) else { continue }
                        resolve(jobID: decoded.jobID, with: decoded)
                    }
                }
            } catch {
                logger.warning("reply stream read failed; retrying", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: .milliseconds(500))
            }
        }
    }
}
