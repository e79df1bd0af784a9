import Foundation
import Jobs
import JunctionCore
import Logging
import Redis
import Runs
import TestSupport
import XCTest

/// The run's reply, progress and cancel channels: one implementation both ends use.
final class RunChannelsTests: QueueTestCase, @unchecked Sendable {
    func testProgressEventsKeepTheirWireForm() {
        let event = RunProgressEvent(progress: 3, message: "calling a_b")
        XCTAssertEqual(event.json, ["progress": 3, "message": "calling a_b"])
        XCTAssertEqual(RunProgressEvent(json: event.json), event)
        XCTAssertEqual(RunChannel.progress(jobID: "j1"), "progress:j1")
    }

    func testReplyCarriesTheRunResultOrItsError() {
        let result = RunResult(isError: false, structured: ["result": 1, "logs": [], "calls": []])
        XCTAssertEqual(RunResult(reply: JobReply(jobID: "j", value: result.json)), result)
        let lost = RunResult(reply: .lost(jobID: "j"))
        XCTAssertTrue(lost.isError)
        XCTAssertEqual(lost.structured["error"]?["name"], "run_lost")
    }

    /// The worker publishes the result and frees the slot in one round trip; the
    /// frontend's listener reads it back as the same `RunResult`.
    func testPublishedResultReachesTheListenerAndFreesTheSlot() async throws {
        let listener = ReplyListener(queue: queue, frontendID: "f1", logger: Logger(label: "test"))
        let service = Task { try await listener.run() }
        defer { service.cancel() }
        let job = JobEnvelope(RunRequest(tool: .execute, code: "1", timeoutMs: 1_000), owner: "carol", replyTo: "f1")
        try await client.send("ZADD", RedisKeys.runSlots(owner: "carol"), "9999999999999", job.id)
        listener.register(jobID: job.id)
        let progress = listener.subscribe(channel: RunChannel.progress(jobID: job.id))
        try await queue.publishProgress(RunProgressEvent(progress: 1, message: "started"), jobID: job.id, to: "f1")
        let result = RunResult(isError: false, structured: ["result": "ok", "logs": [], "calls": []])
        try await queue.publishRunResult(result, for: job)
        let reply = await listener.wait(jobID: job.id, timeout: .seconds(5))
        XCTAssertEqual(reply.map(RunResult.init(reply:)), result)
        var events = progress.makeAsyncIterator()
        let first = await events.next()
        XCTAssertEqual(first.map(RunProgressEvent.init(json:)), RunProgressEvent(progress: 1, message: "started"))
        let slots = try await client.send("ZCARD", RedisKeys.runSlots(owner: "carol")).integer
        XCTAssertEqual(slots, 0)
    }

    func testCancelRequestsAreSeenByTheWorkersBatchedCheck() async throws {
        try await queue.requestCancel(jobID: "b")
        let cancelledB = try await queue.isCancelRequested(jobID: "b")
        XCTAssertTrue(cancelledB)
        let cancelledA = try await queue.isCancelRequested(jobID: "a")
        XCTAssertFalse(cancelledA)
        let among = try await queue.cancelRequested(among: ["a", "b", "c"])
        XCTAssertEqual(among, ["b"])
        let ttl = try await client.send("PTTL", RedisKeys.cancel(jobID: "b")).integer ?? 0
        XCTAssertGreaterThan(ttl, 1000)
    }
}
