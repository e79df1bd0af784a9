import Foundation
import Jobs
import JunctionCore
import Logging
import Redis
import Runs
import Synchronization
import TestSupport
import XCTest

final class QueueTests: QueueTestCase, @unchecked Sendable {
    private func take(_ kind: JobKind, consumer: String = "c1") async throws -> JobDelivery? {
        let conn = client.makeBlockingConnection(label: "test.pop")
        defer { conn.close() }
        // An owner put back in line optimistically may turn out to have nothing left.
        while let owner = try await queue.nextReadyOwner(kind, on: conn, timeoutSeconds: 0.5) {
            if let delivery = try await queue.claimNext(kind, owner: owner, consumer: consumer) { return delivery }
        }
        return nil
    }

    func testStreamKeysAreHashTaggedPerUser() {
        XCTAssertEqual(queue.streamKey(.execute, owner: "u1"), "junction:{u:u1}:exec")
        XCTAssertEqual(queue.streamKey(.refresh, owner: "u1"), "junction:{u:u1}:refresh")
    }

    func testAcknowledgedJobLeavesStreamAndPendingList() async throws {
        let job = JobEnvelope(kind: .refresh, owner: "alice", body: ["sourceId": "s1"])
        try await queue.enqueue(job)
        let delivery = try await take(.refresh)
        XCTAssertEqual(delivery?.envelope, job)
        let stream = queue.streamKey(.refresh, owner: "alice")
        let v1 = try await client.send("XPENDING", stream, "refresh-workers").array?.first?.integer
        XCTAssertEqual(v1, 1)
        try await queue.ack(delivery!)
        let v2 = try await client.send("XLEN", stream).integer
        XCTAssertEqual(v2, 0)
        let v3 = try await client.send("XPENDING", stream, "refresh-workers").array?.first?.integer
        XCTAssertEqual(v3, 0)
        let again = try await take(.refresh)
        XCTAssertNil(again, "an acknowledged job is never delivered again")
    }

    /// Alice queues 1,000 jobs, then Bob queues one: Bob's job must come within the next
    /// couple of deliveries, not after Alice's backlog.
    func testFairnessAcrossUsers() async throws {
        var commands: [[String]] = []
        for i in 0..<1000 {
            let job = JobEnvelope(kind: .execute, owner: "alice", body: ["n": .number(Double(i))])
            commands.append(["XADD", queue.streamKey(.execute, owner: "alice"), "*", "job",
                             String(decoding: try JSONEncoder().encode(job), as: UTF8.self)])
        }
        try await client.pipeline(commands)
        try await queue.enqueue(JobEnvelope(kind: .execute, owner: "alice", body: ["n": 1000]))
        // Alice's jobs are being worked through when Bob arrives.
        for _ in 0..<5 {
            let d = try await take(.execute)
            try await queue.ack(try XCTUnwrap(d))
        }
        try await Task.sleep(for: .milliseconds(5))
        try await queue.enqueue(JobEnvelope(kind: .execute, owner: "bob", body: ["n": 0]))
        var order: [String] = []
        for _ in 0..<6 {
            let taken = try await take(.execute)
            let d = try XCTUnwrap(taken)
            order.append(d.envelope.owner)
            try await queue.ack(d)
        }
        let bobPosition = try XCTUnwrap(order.firstIndex(of: "bob"), "bob's job was not delivered among the next 6: \(order)")
        XCTAssertLessThanOrEqual(bobPosition, 1, "bob waited behind \(bobPosition) of alice's jobs: \(order)")
        XCTAssertEqual(order.filter { $0 == "alice" }.count, 5, "alice keeps being served after bob")
    }

    /// Fairness through the real processor: two users, one worker slot.
    func testProcessorServesSecondUserPromptly() async throws {
        let seen = Locked<[String]>([])
        struct Recorder: JobHandler {
            let seen: Locked<[String]>
            func handle(_ d: JobDelivery) async {
                try? await Task.sleep(for: .milliseconds(2))
                seen.withLock { $0.append(d.envelope.owner) }
            }
            func handleLost(_ d: JobDelivery) async {}
        }
        var commands: [[String]] = []
        for i in 0..<200 {
            commands.append(["XADD", queue.streamKey(.execute, owner: "alice"), "*", "job",
                             String(decoding: try JSONEncoder().encode(JobEnvelope(kind: .execute, owner: "alice", body: .number(Double(i)))), as: UTF8.self)])
        }
        try await client.pipeline(commands)
        try await queue.enqueue(JobEnvelope(kind: .execute, owner: "alice", body: 200))
        let processor = JobProcessor(kind: .execute, queue: queue, handler: Recorder(seen: seen),
                                     options: .init(concurrency: 1, visibilityTimeout: .seconds(30)), logger: logger)
        let task = Task { try await processor.run() }
        while seen.withLock({ $0.count }) < 10 { try await Task.sleep(for: .milliseconds(5)) }
        try await queue.enqueue(JobEnvelope(kind: .execute, owner: "bob", body: 0))
        let start = seen.withLock { $0.count }
        var bobAt: Int?
        for _ in 0..<400 {
            if let i = seen.withLock({ $0.firstIndex(of: "bob") }) { bobAt = i; break }
            try await Task.sleep(for: .milliseconds(5))
        }
        task.cancel()
        _ = try? await task.value
        let at = try XCTUnwrap(bobAt, "bob's job never ran")
        XCTAssertLessThanOrEqual(at - start, 3, "bob's single job waited behind \(at - start) of alice's jobs")
    }

    /// A refresh job whose consumer stopped without acknowledging it is re-queued
    /// (at-least-once) and runs again.
    func testUnacknowledgedRefreshIsRequeuedAfterVisibilityTimeout() async throws {
        let job = JobEnvelope(kind: .refresh, owner: "alice", body: ["sourceId": "s1"])
        try await queue.enqueue(job)
        let taken = try await take(.refresh, consumer: "dead-consumer")
        XCTAssertNotNil(taken)
        // The consumer "dies": it never acks or touches the job.
        try await Task.sleep(for: .milliseconds(300))
        let handled = Locked<[JobEnvelope]>([])
        struct Recorder: JobHandler {
            let handled: Locked<[JobEnvelope]>
            func handle(_ d: JobDelivery) async { handled.withLock { $0.append(d.envelope) } }
            func handleLost(_ d: JobDelivery) async { XCTFail("refresh jobs are retried, not lost") }
        }
        let processor = JobProcessor(kind: .refresh, queue: queue, handler: Recorder(handled: handled),
                                     options: .init(concurrency: 1, visibilityTimeout: .milliseconds(200)), logger: logger)
        await processor.reclaim()
        let task = Task { try await processor.run() }
        for _ in 0..<200 where handled.withLock({ $0.isEmpty }) { try await Task.sleep(for: .milliseconds(10)) }
        task.cancel()
        _ = try? await task.value
        let runs = handled.withLock { $0 }
        XCTAssertEqual(runs.map(\.id), [job.id])
        XCTAssertEqual(runs.first?.attempt, 2)
    }

    /// Blocking reads sit on their own threads: many consumers waiting in BZPOPMIN must
    /// not stop other async work (this machine's cooperative pool has 2 threads).
    func testBlockingReadsDoNotOccupyCooperativeThreads() async throws {
        let connections = (0..<16).map { client.makeBlockingConnection(label: "blk\($0)") }
        defer { connections.forEach { $0.close() } }
        let waits = connections.map { conn in
            Task { try await queue.nextReadyOwner(.execute, on: conn, timeoutSeconds: 3) }
        }
        try await Task.sleep(for: .milliseconds(200))
        let started = ContinuousClock.now
        let pong = try await client.send("PING")
        let sum = await Task.detached { (0..<1000).reduce(0, +) }.value
        let elapsed = ContinuousClock.now - started
        XCTAssertEqual(pong, .string("PONG"))
        XCTAssertEqual(sum, 499_500)
        XCTAssertLessThan(elapsed, .seconds(1), "async work stalled while 16 blocking reads were waiting")
        let clients = try await client.send("CLIENT", "LIST").string ?? ""
        XCTAssertGreaterThanOrEqual(clients.split(separator: "\n").filter { $0.contains("cmd=bzpopmin") }.count, 16)
        waits.forEach { $0.cancel() }
    }

    /// All replies reach their waiters over the frontend's single reply connection.
    func testRepliesTravelOverOneConnectionPerFrontend() async throws {
        let listener = ReplyListener(queue: queue, logger: logger)
        let service = Task { try await listener.run() }
        defer { service.cancel() }
        try await Task.sleep(for: .milliseconds(100))
        for _ in 0..<8 { try await client.send("PING") }  // every pooled connection is open
        let before = try await client.send("CLIENT", "LIST").string!.split(separator: "\n").count
        let ids = (0..<50).map { "job-\($0)" }
        ids.forEach { listener.register(jobID: $0) }
        let results = await withTaskGroup(of: (String, JobReply?).self) { group in
            for id in ids { group.addTask { (id, await listener.wait(jobID: id, timeout: .seconds(5))) } }
            for id in ids.reversed() {
                try? await queue.publishReply(JobReply(jobID: id, value: .string("answer-\(id)")), to: listener.frontendID)
            }
            var out: [String: JobReply?] = [:]
            for await (id, r) in group { out[id] = r }
            return out
        }
        let list = try await client.send("CLIENT", "LIST").string!.split(separator: "\n")
        let after = list.count
        XCTAssertEqual(list.filter { $0.contains("cmd=xread") }.count, 1, "one reply connection for this frontend")
        for id in ids { XCTAssertEqual(results[id]??.value, .string("answer-\(id)")) }
        XCTAssertEqual(after, before, "waiting requests must not open Redis connections")
    }

    func testReplyWaitTimesOutInsteadOfHanging() async throws {
        let listener = ReplyListener(queue: queue, logger: logger)
        let service = Task { try await listener.run() }
        defer { service.cancel() }
        listener.register(jobID: "never")
        let start = ContinuousClock.now
        let reply = await listener.wait(jobID: "never", timeout: .milliseconds(300))
        XCTAssertNil(reply)
        XCTAssertLessThan(ContinuousClock.now - start, .seconds(2))
    }

    func testExpiredExecuteJobIsDroppedNotRun() async throws {
        let ran = Locked(false)
        struct Recorder: JobHandler {
            let ran: Locked<Bool>
            func handle(_ d: JobDelivery) async { ran.withLock { $0 = true } }
            func handleLost(_ d: JobDelivery) async {}
        }
        let listener = ReplyListener(queue: queue, logger: logger)
        let service = Task { try await listener.run() }
        defer { service.cancel() }
        let job = JobEnvelope(kind: .execute, owner: "alice", deadline: Date().addingTimeInterval(-1), replyTo: listener.frontendID, body: 1)
        listener.register(jobID: job.id)
        try await queue.enqueue(job)
        let processor = JobProcessor(kind: .execute, queue: queue, handler: Recorder(ran: ran),
                                     options: .init(concurrency: 1, visibilityTimeout: .seconds(30)), logger: logger)
        let task = Task { try await processor.run() }
        let reply = await listener.wait(jobID: job.id, timeout: .seconds(5))
        task.cancel()
        XCTAssertEqual(reply?.errorCode, "expired")
        XCTAssertFalse(ran.withLock { $0 })
    }
}
