import Foundation
import Jobs
import JunctionCore
import Logging
import Redis
import Runs
import TestSupport
import XCTest

/// The run path across a Redis restart: while Redis is away a run is refused at once with
/// `queue_unavailable`; once it is back, the reply listener (its stream gone with Redis'
/// data) receives the next replies, and a progress subscription made before the restart
/// still gets its events.
final class RunRestartTests: XCTestCase, @unchecked Sendable {
    var redis: RedisServer!
    let logger = Logger(label: "test")

    override func setUp() async throws { redis = try await RedisServer() }
    override func tearDown() async throws { redis?.stop() }

    func testARunIsRefusedPromptlyWithQueueUnavailableWhileRedisIsDown() async throws {
        let client = RedisClient(url: redis.url)
        defer { client.close() }
        let queue = JobQueue(redis: client)
        let listener = ReplyListener(queue: queue, frontendID: "f-down", logger: logger)
        let service = Task { try await listener.run() }
        defer { service.cancel() }
        let dispatcher = RunDispatcher(queue: queue, listener: listener, slots: RunSlots(redis: client, maxPerUser: 4),
                                       timeout: .seconds(30), queueWait: .seconds(15))
        _ = try await client.send("PING")
        redis.stop()
        let clock = ContinuousClock()
        for attempt in 0..<3 {
            let started = clock.now
            let outcome = await dispatcher.start(.execute, code: "async () => 1", owner: "alice")
            let took = clock.now - started
            guard case .refused(let result) = outcome else { return XCTFail("attempt \(attempt): the run was not refused: \(outcome)") }
            XCTAssertEqual(result.structured["error"]?["name"], "queue_unavailable")
            XCTAssertLessThan(took, .seconds(1), "attempt \(attempt) answered after \(took)")
        }
        // Back: the same dispatcher queues again, on the first try.
        try await redis.start()
        let outcome = await dispatcher.start(.execute, code: "async () => 1", owner: "alice")
        guard case .started = outcome else { return XCTFail("not queued after Redis came back: \(outcome)") }
    }

    func testTheReplyListenerReceivesRepliesRightAfterARestart() async throws {
        // The frontend's and the worker's processes each have their own client.
        let frontend = RedisClient(url: redis.url)
        defer { frontend.close() }
        let worker = JobQueue(redis: RedisClient(url: redis.url))
        defer { worker.redis.close() }
        let listener = ReplyListener(queue: JobQueue(redis: frontend), frontendID: "f-restart", logger: logger)
        let service = Task { try await listener.run() }
        defer { service.cancel() }

        let before = JobEnvelope(RunRequest(tool: .execute, code: "1", timeoutMs: 1_000), owner: "bob", replyTo: "f-restart")
        listener.register(jobID: before.id)
        try await worker.publishRunResult(RunResult(isError: false, structured: ["result": 1]), for: before)
        let first = await listener.wait(jobID: before.id, timeout: .seconds(5))
        XCTAssertNotNil(first, "the reply before the restart arrived")

        let during = JobEnvelope(RunRequest(tool: .execute, code: "2", timeoutMs: 1_000), owner: "bob", replyTo: "f-restart")
        listener.register(jobID: during.id)
        let progress = listener.subscribe(channel: RunChannel.progress(jobID: during.id))
        try await redis.restart()
        let clock = ContinuousClock()
        let restartedAt = clock.now
        // The worker's connections are as old as the listener's: the first publish after
        // the restart must reach the new server.
        try await worker.publishProgress(RunProgressEvent(progress: 1, message: "after"), jobID: during.id, to: "f-restart")
        try await worker.publishRunResult(RunResult(isError: false, structured: ["result": 2]), for: during)
        let reply = await listener.wait(jobID: during.id, timeout: .seconds(5))
        let took = clock.now - restartedAt
        XCTAssertEqual(reply.map(RunResult.init(reply:))?.structured["result"], 2)
        XCTAssertLessThan(took, .seconds(2), "the reply arrived \(took) after Redis came back")
        var events = progress.makeAsyncIterator()
        let event = await events.next()
        XCTAssertEqual(event.map(RunProgressEvent.init(json:))?.message, "after", "the subscription made before the restart still gets events")
        listener.unsubscribe(channel: RunChannel.progress(jobID: during.id))
        let ttl = try await frontend.send("TTL", worker.replyKey(frontend: "f-restart")).integer ?? -2
        XCTAssertGreaterThan(ttl, 0, "the re-created reply stream expires again")
    }
}
