import Foundation
import Jobs
import JunctionCore
import Logging
import Redis
import ServiceLifecycle
import TestSupport
import XCTest

/// A consumer keeps serving when Redis restarts without its data (the job streams, their
/// consumer groups, the ready line and the owners set all gone), and a graceful shutdown
/// claims nothing more and keeps to its drain deadline.
final class QueueRestartTests: QueueTestCase, @unchecked Sendable {
    private struct RecordingHandler: JobHandler {
        let handled: Locked<[String]>
        var duration: Duration = .zero
        func handle(_ d: JobDelivery) async {
            let until = ContinuousClock.now + duration
            while ContinuousClock.now < until { try? await Task.sleep(for: .milliseconds(20)) }
            handled.withLock { $0.append(d.envelope.id) }
        }
        func handleLost(_ d: JobDelivery) async {}
    }

    private func waitUntil(_ timeout: Duration, _ condition: () -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if condition() { return true }
            try await Task.sleep(for: .milliseconds(10))
        }
        return condition()
    }

    /// The consumer's own connections (blocking reader and pool) all date from before the
    /// restart; a job queued right after it is still taken and acknowledged within 2 s.
    func testAConsumerServesAJobQueuedRightAfterARestart() async throws {
        let handled = Locked<[String]>([])
        // The consumer has a client of its own, as a worker process has.
        let workerClient = RedisClient(url: redis.url)
        defer { workerClient.close() }
        let processor = JobProcessor(kind: .refresh, queue: JobQueue(redis: workerClient), handler: RecordingHandler(handled: handled),
                                     options: .init(concurrency: 2, visibilityTimeout: .seconds(30)), logger: logger)
        let group = ServiceGroup(configuration: .init(services: [.init(service: processor)], logger: logger))
        let running = Task { try await group.run() }
        defer { running.cancel() }

        let before = JobEnvelope(kind: .refresh, owner: "alice", body: ["n": 1])
        try await queue.enqueue(before)
        let first = try await waitUntil(.seconds(5)) { handled.withLock { $0.contains(before.id) } }
        XCTAssertTrue(first, "the job before the restart was handled")

        try await redis.restart()
        let clock = ContinuousClock()
        let restartedAt = clock.now
        let after = JobEnvelope(kind: .refresh, owner: "alice", body: ["n": 2])
        try await queue.enqueue(after)  // the first call of this client after the restart: no error
        let served = try await waitUntil(.seconds(10)) { handled.withLock { $0.contains(after.id) } }
        let took = clock.now - restartedAt
        XCTAssertTrue(served, "the job queued after the restart was handled")
        XCTAssertLessThan(took, .seconds(2), "served again \(took) after Redis came back")
        // Acknowledged and removed: the consumer's pool works too.
        var left = -1
        for _ in 0..<100 {
            left = try await client.send("XLEN", queue.streamKey(.refresh, owner: "alice")).integer ?? -1
            if left == 0 { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        XCTAssertEqual(left, 0, "the job was acknowledged on the restarted server")

        // And every job after that is served, by several owners.
        let more = (0..<6).map { JobEnvelope(kind: .refresh, owner: "u\($0 % 3)", body: ["n": .number(Double($0))]) }
        for job in more { try await queue.enqueue(job) }
        let all = try await waitUntil(.seconds(5)) { handled.withLock { h in more.allSatisfy { h.contains($0.id) } } }
        XCTAssertTrue(all, "every job queued after the restart was handled")
        await group.triggerGracefulShutdown()
        try await running.value
    }

    /// Jobs queued into a stream whose consumer group is gone (queued by a producer while
    /// the group was not re-created yet) are found by the reclaim sweep: it creates the
    /// group and puts the owner back in line, instead of failing on NOGROUP.
    func testTheReclaimSweepRecreatesAMissingGroupAndPutsTheOwnerBackInLine() async throws {
        let job = JobEnvelope(kind: .refresh, owner: "bob", body: ["n": 1])
        let stream = queue.streamKey(.refresh, owner: "bob")
        // What a restarted Redis holds after a producer's XADD whose owner was popped by a
        // consumer that then failed: the entry, the owners set, no group, nobody in line.
        try await client.send("XADD", stream, "*", "job", job.jsonText)
        try await client.send("SADD", queue.ownersKey(.refresh), "bob")

        let stale = try await queue.reclaimStale(.refresh, consumer: "c1", minIdle: .seconds(30))
        XCTAssertTrue(stale.isEmpty, "nothing was delivered, so nothing is stale")
        let score = try await client.send("ZSCORE", queue.readyKey(.refresh), "bob")
        XCTAssertFalse(score.isNull, "the owner is back in line")
        let groups = try await client.send("XINFO", "GROUPS", stream).array ?? []
        XCTAssertEqual(groups.count, 1, "the consumer group exists again")
        let conn = client.makeBlockingConnection(label: "test.claim")
        defer { conn.close() }
        let delivery = try await queue.nextJob(.refresh, on: conn, consumer: "c1", timeoutSeconds: 0.5)
        XCTAssertEqual(delivery?.envelope.id, job.id, "the job is delivered")
    }

    /// A consumer whose read is waiting when shutdown begins pops the next owner but claims
    /// nothing: the owner goes back in line with the score it had, the job stays for
    /// another consumer.
    func testAReadThatEndsAfterShutdownBeganClaimsNothing() async throws {
        let job = JobEnvelope(kind: .refresh, owner: "carol", body: ["n": 1])
        try await client.send("XGROUP", "CREATE", queue.streamKey(.refresh, owner: "carol"), queue.group(.refresh), "0", "MKSTREAM")
        try await queue.enqueue(job)
        let scoreBefore = try await client.send("ZSCORE", queue.readyKey(.refresh), "carol").string
        let conn = client.makeBlockingConnection(label: "test.stopping")
        defer { conn.close() }
        let none = try await queue.nextJob(.refresh, on: conn, consumer: "c1", timeoutSeconds: 0.5, claiming: { false })
        XCTAssertNil(none)
        let scoreAfter = try await client.send("ZSCORE", queue.readyKey(.refresh), "carol").string
        XCTAssertEqual(scoreAfter.flatMap(Double.init), scoreBefore.flatMap(Double.init), "back in line where it was")
        let pending = try await client.send("XPENDING", queue.streamKey(.refresh, owner: "carol"), queue.group(.refresh))
        XCTAssertEqual(pending.array?.first?.integer ?? 0, 0, "nothing was delivered")
        let other = try await queue.nextJob(.refresh, on: conn, consumer: "c2", timeoutSeconds: 0.5)
        XCTAssertEqual(other?.envelope.id, job.id, "another consumer takes the job")
    }

    /// A job that outlasts the drain deadline does not hold the processor: it returns at
    /// the deadline and leaves the job pending (another consumer's sweep reclaims it).
    func testGracefulShutdownKeepsToTheDrainDeadline() async throws {
        let handled = Locked<[String]>([])
        let processor = JobProcessor(kind: .refresh, queue: queue, handler: RecordingHandler(handled: handled, duration: .seconds(20)),
                                     options: .init(concurrency: 1, visibilityTimeout: .seconds(30), drainTimeout: .milliseconds(500)),
                                     logger: logger)
        let group = ServiceGroup(configuration: .init(services: [.init(service: processor)], logger: logger))
        let running = Task { try await group.run() }
        let job = JobEnvelope(kind: .refresh, owner: "dave", body: ["n": 1])
        try await queue.enqueue(job)
        let stream = queue.streamKey(.refresh, owner: "dave")
        var delivered = false
        for _ in 0..<300 where !delivered {
            let pending = try? await client.send("XPENDING", stream, queue.group(.refresh))
            delivered = (pending?.array?.first?.integer ?? 0) == 1
            if !delivered { try await Task.sleep(for: .milliseconds(10)) }
        }
        XCTAssertTrue(delivered, "the job was claimed")
        let clock = ContinuousClock()
        let shutdownAt = clock.now
        await group.triggerGracefulShutdown()
        try await running.value
        let took = clock.now - shutdownAt
        XCTAssertLessThan(took, .seconds(3), "the processor returned \(took) after shutdown began")
        XCTAssertGreaterThanOrEqual(took, .milliseconds(450), "it waited for the job up to the deadline")
        XCTAssertEqual(handled.withLock { $0 }, [], "the job had not finished")
        let pending = try await client.send("XPENDING", stream, queue.group(.refresh))
        XCTAssertEqual(pending.array?.first?.integer, 1, "the unfinished job stays pending for the reclaim sweep")
    }
}
