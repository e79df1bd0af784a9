import Foundation
import Jobs
import JunctionCore
import Redis
import Runs
import TestSupport
import XCTest

/// The execute path's queue shortcuts: hand-written job JSON, the run slot and the
/// enqueue in one round trip, and an owner put back in line only when it has more.
final class RunQueuePathTests: QueueTestCase, @unchecked Sendable {
    /// The hand-written JSON and the Codable forms read each other (a stream may hold
    /// entries written either way).
    func testJobJSONMatchesCodableForms() throws {
        let envelope = JobEnvelope(kind: .execute, owner: "alice", deadline: Date(timeIntervalSince1970: 1_800_000_000.123),
                                   replyTo: "frontend-1", attempt: 2,
                                   body: ["code": "async () => \"a\\\"b\"\n", "n": .number(1.5), "list": [true, nil, ["x": 1]]])
        let decoded = try JSONDecoder().decode(JobEnvelope.self, from: Data(envelope.jsonText.utf8))
        XCTAssertEqual(decoded, envelope)
        let encoded = String(decoding: try JSONEncoder().encode(envelope), as: UTF8.self)
        XCTAssertEqual(JobEnvelope(jsonText: encoded), envelope)
        let bare = JobEnvelope(kind: .refresh, owner: "bob", body: .null)
        XCTAssertEqual(JobEnvelope(jsonText: bare.jsonText), bare)
        XCTAssertNil(JobEnvelope(jsonText: "{\"id\": 1}"))
        XCTAssertNil(JobEnvelope(jsonText: "not json"))

        for reply in [JobReply(jobID: "j1", value: ["isError": false, "structuredContent": ["result": 1]]),
                      JobReply(jobID: "j2", errorCode: "expired", message: "too late")] {
            XCTAssertEqual(try JSONDecoder().decode(JobReply.self, from: Data(reply.jsonText.utf8)), reply)
            XCTAssertEqual(JobReply(jsonText: String(decoding: try JSONEncoder().encode(reply), as: UTF8.self)), reply)
        }
    }

    /// One round trip takes the slot and enqueues; at the cap nothing is enqueued.
    func testSlotAndEnqueueTogetherRespectTheCap() async throws {
        let slots = RunSlots(redis: client, maxPerUser: 2)
        let deadline = Date().addingTimeInterval(30)
        var outcomes: [RunSlots.Outcome] = []
        for i in 0..<3 {
            let job = JobEnvelope(kind: .execute, owner: "alice", deadline: deadline, body: .number(Double(i)))
            outcomes.append(try await slots.acquireAndEnqueue(job, on: queue))
        }
        XCTAssertEqual(outcomes, [.enqueued, .enqueued, .atCapacity])
        let length = try await client.send("XLEN", queue.streamKey(.execute, owner: "alice")).integer
        XCTAssertEqual(length, 2, "a refused run is not enqueued")
        let ready = try await client.send("ZSCORE", queue.readyKey(.execute), "alice")
        XCTAssertFalse(ready.isNull, "an enqueued job marks its owner ready")
        // The script is loaded on first use (NOSCRIPT fallback) and after a flush.
        try await client.send("SCRIPT", "FLUSH")
        let again = try await slots.acquireAndEnqueue(JobEnvelope(kind: .execute, owner: "bob", deadline: deadline, body: 0), on: queue)
        XCTAssertEqual(again, .enqueued)
    }

    /// Popping the next user and reading its job is one call on the blocking connection:
    /// the first job of a new stream (no consumer group yet), a second one, and nothing
    /// when no one is waiting.
    func testNextJobPopsTheOwnerAndClaimsItsJobInOneCall() async throws {
        let conn = client.makeBlockingConnection(label: "test.next")
        defer { conn.close() }
        try await queue.enqueue(JobEnvelope(kind: .execute, owner: "dave", body: 1))
        let first = try await queue.nextJob(.execute, on: conn, consumer: "c1", timeoutSeconds: 0.5)
        XCTAssertEqual(first?.envelope.body, 1, "the group is created on the first claim")
        try await queue.enqueue(JobEnvelope(kind: .execute, owner: "dave", body: 2))
        let second = try await queue.nextJob(.execute, on: conn, consumer: "c1", timeoutSeconds: 0.5)
        XCTAssertEqual(second?.envelope.body, 2)
        let clients = try await client.send("CLIENT", "LIST").string ?? ""
        XCTAssertFalse(clients.contains("cmd=bzpopmin"), "the claim must follow the pop on the blocking connection itself:\n\(clients)")
        let pending = try await client.send("XPENDING", queue.streamKey(.execute, owner: "dave"), queue.group(.execute))
        XCTAssertEqual(pending.array?.first?.integer, 2, "both jobs are delivered to the consumer")
        let none = try await queue.nextJob(.execute, on: conn, consumer: "c1", timeoutSeconds: 0.2)
        XCTAssertNil(none)
    }

    /// A run bound to a session that does not exist is not queued and takes no slot; bound
    /// to one that does, it is queued, the session's expiry restarts and the session
    /// remembers the job, all in the one round trip.
    func testSessionBoundRunIsQueuedOnlyWhileItsSessionExists() async throws {
        let slots = RunSlots(redis: client, maxPerUser: 4)
        let deadline = Date().addingTimeInterval(30)
        let sessionKey = "junction:{u:carol}:session:s1"
        let binding = RunSlots.SessionBinding(sessionKey: sessionKey, sessionTTLSeconds: 500,
                                              runKey: "junction:{u:carol}:sessionrun:s1:7", runTTL: .seconds(90))
        let orphan = JobEnvelope(kind: .execute, owner: "carol", deadline: deadline, body: 0)
        let refused = try await slots.acquireAndEnqueue(orphan, on: queue, session: binding)
        XCTAssertEqual(refused, .noSession)
        let refusedLength = try await client.send("XLEN", queue.streamKey(.execute, owner: "carol")).integer
        XCTAssertEqual(refusedLength, 0)
        let refusedSlots = try await client.send("ZCARD", "junction:{u:carol}:running").integer
        XCTAssertEqual(refusedSlots, 0, "no slot for a run that was not queued")

        try await client.send("HSET", sessionKey, "owner", "carol")
        try await client.send("EXPIRE", sessionKey, "5")
        let job = JobEnvelope(kind: .execute, owner: "carol", deadline: deadline, replyTo: "f1", body: 1)
        let queued = try await slots.acquireAndEnqueue(job, on: queue, session: binding)
        XCTAssertEqual(queued, .enqueued)
        let length = try await client.send("XLEN", queue.streamKey(.execute, owner: "carol")).integer
        XCTAssertEqual(length, 1)
        let ttl = try await client.send("TTL", sessionKey).integer ?? 0
        XCTAssertGreaterThan(ttl, 400, "queueing a run in a session restarts its expiry")
        let note = try await client.send("GET", binding.runKey).string
        XCTAssertEqual(note, job.id)

        // The worker's reply frees the slot in the same round trip, before the reply exists.
        try await queue.publishReply(JobReply(jobID: job.id, value: 1), for: job)
        let left = try await client.send("ZCARD", "junction:{u:carol}:running").integer
        XCTAssertEqual(left, 0)
    }

    /// A consumer that takes an owner's only job does not put the owner back in line
    /// (where it would be popped again at once for nothing); with more jobs it does.
    func testOwnerGoesBackInLineOnlyWithMoreJobs() async throws {
        let conn = client.makeBlockingConnection(label: "test.pop")
        defer { conn.close() }
        try await queue.enqueue(JobEnvelope(kind: .execute, owner: "alice", body: 0))
        let owner = try await queue.nextReadyOwner(.execute, on: conn, timeoutSeconds: 0.5)
        XCTAssertEqual(owner, "alice")
        let only = try await queue.claimNext(.execute, owner: "alice", consumer: "c1")
        XCTAssertNotNil(only)
        try await Task.sleep(for: .milliseconds(100))
        let afterOnly = try await client.send("ZSCORE", queue.readyKey(.execute), "alice")
        XCTAssertTrue(afterOnly.isNull, "alice had nothing left but was put back in line")

        try await queue.enqueue(JobEnvelope(kind: .execute, owner: "alice", body: 1))
        try await queue.enqueue(JobEnvelope(kind: .execute, owner: "alice", body: 2))
        _ = try await queue.nextReadyOwner(.execute, on: conn, timeoutSeconds: 0.5)
        let first = try await queue.claimNext(.execute, owner: "alice", consumer: "c1")
        XCTAssertEqual(first?.envelope.body, 1)
        var back = false
        for _ in 0..<50 where !back {
            back = !(try await client.send("ZSCORE", queue.readyKey(.execute), "alice")).isNull
            if !back { try await Task.sleep(for: .milliseconds(10)) }
        }
        XCTAssertTrue(back, "alice still has a job and must be back in line")
        let second = try await queue.claimNext(.execute, owner: "alice", consumer: "c1")
        XCTAssertEqual(second?.envelope.body, 2)
    }
}
