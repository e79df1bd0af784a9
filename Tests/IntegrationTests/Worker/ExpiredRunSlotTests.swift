import AsyncHTTPClient
import Foundation
import Jobs
import Logging
import Redis
import Runs
import Secrets
import Store
import TestSupport
import Upstream
@testable import Worker
import XCTest

/// A run that expired in the queue is answered by the job processor itself ("expired").
/// The queue knows nothing about run slots, so the worker's handler hands the processor
/// the slot release to send with that reply, as every reply to a run frees its slot.
final class ExpiredRunSlotTests: XCTestCase {
    func testExpiredRunFreesItsSlotWithTheProcessorsReply() async throws {
        let redis = try await RedisServer()
        let client = RedisClient(url: redis.url)
        let http = UpstreamHTTP.makeClient()
        defer { client.close(); redis.stop() }
        let queue = JobQueue(redis: client)
        let logger = Logger(label: "test")
        let listener = ReplyListener(queue: queue, logger: logger)
        let service = Task { try await listener.run() }
        defer { service.cancel() }
        // Never started: an expired job never reaches the sandbox.
        let pool = SandboxPool(options: .init(denoPath: try TestEnvironment.deno(), scriptPath: TestEnvironment.sandboxScript,
                                              processes: 1, concurrency: 1, heapMB: 128), logger: logger)
        let db = try SQLiteStore(path: TestEnvironment.temporaryDirectory().appendingPathComponent("expired.sqlite").path)
        let handler = RunJobHandler(database: db, queue: queue, pool: pool,
                                    caller: OpenAPICaller(http: UpstreamHTTP(client: http, policy: OutboundPolicy())),
                                    box: SecretBox(keyring: .random()), logger: logger)

        let request = RunRequest(tool: .execute, code: "async () => 1", timeoutMs: 1_000)
        let job = JobEnvelope(kind: .execute, owner: "alice", deadline: Date().addingTimeInterval(-1), replyTo: listener.frontendID,
                              body: request.json)
        listener.register(jobID: job.id)
        let outcome = try await RunSlots(redis: client, maxPerUser: 4).acquireAndEnqueue(job, on: queue)
        XCTAssertEqual(outcome, .enqueued)
        let held = try await client.send("ZCARD", "junction:{u:alice}:running").integer
        XCTAssertEqual(held, 1, "the queued run holds a slot")

        let processor = JobProcessor(kind: .execute, queue: queue, handler: handler,
                                     options: .init(concurrency: 1, visibilityTimeout: .seconds(30)), logger: logger)
        let task = Task { try await processor.run() }
        let reply = await listener.wait(jobID: job.id, timeout: .seconds(5))
        task.cancel()
        XCTAssertEqual(reply?.errorCode, "expired")
        let left = try await client.send("ZCARD", "junction:{u:alice}:running").integer
        XCTAssertEqual(left, 0, "the processor's reply to an expired run frees the run's slot")
        try await http.shutdown()
    }
}
