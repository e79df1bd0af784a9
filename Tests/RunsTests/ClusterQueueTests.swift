import Foundation
import Jobs
import JunctionCore
import Logging
import Redis
import Runs
import Synchronization
import TestSupport
import XCTest

/// The job queue on a real three-node Redis Cluster: jobs of users whose keys live on
/// different nodes go from the frontend's enqueue (run slot, session and job in one
/// script) through a worker's claim to the frontend's reply listener, and the worker's
/// sweeps work there too.
final class ClusterQueueTests: XCTestCase, @unchecked Sendable {
    var cluster: RedisClusterServer!
    var client: RedisClient!
    var queue: JobQueue!

    override func setUp() async throws {
        cluster = try await RedisClusterServer()
        client = RedisClient(url: cluster.url)
        queue = JobQueue(redis: client)
    }

    override func tearDown() async throws {
        client?.close()
        cluster?.stop()
    }

    /// One owner per node, by where the owner's job stream hashes.
    private func ownersOnEachNode() -> [String] {
        RedisClusterServer.ranges.map { range in
            (0...).lazy.map { "owner-\($0)" }.first { range.contains(RedisSlot.of(RedisKeys.jobStream(kind: JobKind.execute.rawValue, owner: $0))) }!
        }
    }

    func testEnqueueClaimAndReplyRoundTripWithOwnersOnEveryNode() async throws {
        let owners = ownersOnEachNode()
        // The frontend's reply stream on another node than the ready line, so a reply's
        // pipeline (slot release, reply) crosses nodes.
        let readyNode = cluster.node(forSlot: RedisSlot.of(queue.readyKey(.execute))).port
        let frontend = (0...).lazy.map { "frontend-\($0)" }.first { cluster.node(forSlot: RedisSlot.of(RedisKeys.replyStream(frontend: $0))).port != readyNode }!
        let listener = ReplyListener(queue: queue, frontendID: frontend, logger: Logger(label: "test"))
        let service = Task { try await listener.run() }
        defer { service.cancel() }

        let slots = RunSlots(redis: client, maxPerUser: 2)
        var jobs: [JobEnvelope] = []
        for owner in owners {
            let sessionKey = RedisKeys.sessionPrefix(owner: owner) + "s1"
            try await client.pipeline([["HSET", sessionKey, "owner", owner], ["EXPIRE", sessionKey, "60"]])
            let binding = RunSlots.SessionBinding(sessionKey: sessionKey, sessionTTLSeconds: 60,
                                                  runKey: RedisKeys.sessionRun(owner: owner, session: "s1", requestID: "7"), runTTL: .seconds(60))
            let job = JobEnvelope(RunRequest(tool: .execute, code: "1", timeoutMs: 5_000), owner: owner, replyTo: frontend)
            listener.register(jobID: job.id)
            let outcome = try await slots.acquireAndEnqueue(job, on: queue, session: binding)
            XCTAssertEqual(outcome, .enqueued, owner)
            jobs.append(job)
            // The job is on its owner's node, next to the owner's slot set and session note.
            let node = cluster.node(forSlot: RedisSlot.of(queue.streamKey(.execute, owner: owner)))
            let held = try await RedisClusterServer.command(node.url, ["XLEN", queue.streamKey(.execute, owner: owner)]).integer
            XCTAssertEqual(held, 1)
            let note = try await RedisClusterServer.command(node.url, ["GET", RedisKeys.sessionRun(owner: owner, session: "s1", requestID: "7")]).string
            XCTAssertEqual(note, job.id)
        }
        XCTAssertEqual(Set(owners.map { cluster.node(forSlot: RedisSlot.of(queue.streamKey(.execute, owner: $0))).port }).count, 3)

        // A worker: the blocking pop on the ready line's node, the claim on each owner's.
        let reader = queue.makeReader(for: .execute)
        defer { queue.closeReader(reader) }
        var claimed: [String] = []
        while claimed.count < owners.count {
            guard let delivery = try await queue.nextJob(.execute, reader: reader, consumer: "worker-1", timeoutSeconds: 2, claiming: { true }) else {
                return XCTFail("a job was not delivered; claimed \(claimed)")
            }
            claimed.append(delivery.envelope.owner)
            let result = RunResult(isError: false, structured: ["result": .string(delivery.envelope.owner), "logs": [], "calls": []])
            try await queue.publishRunResult(result, for: delivery.envelope)
            try await queue.ack(delivery)
        }
        XCTAssertEqual(Set(claimed), Set(owners))
        for job in jobs {
            let reply = await listener.wait(jobID: job.id, timeout: .seconds(5))
            XCTAssertEqual(reply.map(RunResult.init(reply:))?.structured["result"], .string(job.owner))
            let held = try await client.send("ZCARD", RedisKeys.runSlots(owner: job.owner)).integer
            XCTAssertEqual(held, 0, "the reply's pipeline freed the run slot first")
            let left = try await client.send("XLEN", queue.streamKey(.execute, owner: job.owner)).integer
            XCTAssertEqual(left, 0, "acknowledged jobs are gone")
        }
        let none = try await queue.nextJob(.execute, reader: reader, consumer: "worker-1", timeoutSeconds: 0.2, claiming: { true })
        XCTAssertNil(none)
    }

    /// The reclaim sweep reads every owner's stream on its own node, hands back a job whose
    /// worker went quiet, and puts an owner with undelivered jobs back in line.
    func testReclaimSweepFindsStaleJobsOnEveryNode() async throws {
        let owners = ownersOnEachNode()
        for owner in owners { try await queue.enqueue(JobEnvelope(kind: .refresh, owner: owner, body: .string(owner))) }
        // A worker takes each job and dies; a second job per owner stays undelivered.
        for owner in owners {
            let taken = try await queue.claimNext(.refresh, owner: owner, consumer: "dead")
            XCTAssertEqual(taken?.envelope.owner, owner)
            try await queue.enqueue(JobEnvelope(kind: .refresh, owner: owner, body: .string("second")))
        }
        try await client.send("DEL", queue.readyKey(.refresh))
        try await Task.sleep(for: .milliseconds(50))
        let stale = try await queue.reclaimStale(.refresh, consumer: "alive", minIdle: .milliseconds(10))
        XCTAssertEqual(Set(stale.map(\.envelope.owner)), Set(owners))
        let line = try await client.send("ZCARD", queue.readyKey(.refresh)).integer
        XCTAssertEqual(line, owners.count, "owners with undelivered jobs are back in line")
    }
}
