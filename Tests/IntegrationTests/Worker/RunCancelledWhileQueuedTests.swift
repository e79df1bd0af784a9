import AsyncHTTPClient
import Foundation
@testable import Jobs
import JunctionCore
import Logging
import Redis
import Runs
import Secrets
import Store
import TestSupport
import Upstream
@testable import Worker
import XCTest

/// A run whose caller gave up while it was still queued: the worker checks for that
/// while the run already starts, so the check must still stop it and say so.
final class RunCancelledWhileQueuedTests: XCTestCase, @unchecked Sendable {
    func testRunCancelledWhileQueuedIsStoppedAndReportedCancelled() async throws {
        let redis = try await RedisServer()
        let client = RedisClient(url: redis.url)
        let queue = JobQueue(redis: client)
        let http = UpstreamHTTP.makeClient()
        let logger = Logger(label: "test")
        let pool = SandboxPool(options: .init(denoPath: try TestEnvironment.deno(), scriptPath: TestEnvironment.sandboxScript,
                                              processes: 1, concurrency: 2, heapMB: 128), logger: logger)
        defer { client.close(); redis.stop() }
        try await pool.start()
        let db = try SQLiteStore(path: TestEnvironment.temporaryDirectory().appendingPathComponent("cancel.sqlite").path)
        let handler = RunJobHandler(database: db, queue: queue, pool: pool,
                                    caller: OpenAPICaller(http: UpstreamHTTP(client: http, policy: OutboundPolicy())),
                                    box: SecretBox(keyring: .random()), logger: logger)
        let owner = try db.createUser(email: "queued@example.com", isAdmin: false, passwordHash: nil).id

        // Code that would never end by itself, so only the cancel can stop it in time.
        let request = RunRequest(tool: .execute, code: "async () => { while (true) {} }", timeoutMs: 20_000, progress: false)
        let job = JobEnvelope(kind: .execute, owner: owner, deadline: Date().addingTimeInterval(30), replyTo: "f1", body: request.json)
        try await queue.requestCancel(jobID: job.id)
        let start = ContinuousClock.now
        await handler.handle(JobDelivery(stream: queue.streamKey(.execute, owner: owner), entryID: "1-0", envelope: job))
        XCTAssertLessThan(ContinuousClock.now - start, .seconds(5), "the cancel found at start must stop the run")

        let entries = try await client.send("XRANGE", queue.replyKey(frontend: "f1"), "-", "+").array ?? []
        let text = try XCTUnwrap(entries.last?.array?.last?.array?.last?.string)
        let reply = try XCTUnwrap(JobReply(jsonText: text))
        let result = RunResult(json: try XCTUnwrap(reply.value))
        XCTAssertTrue(result.isError)
        XCTAssertEqual(result.structured["error"]?["name"], "cancelled", "\(result.structured)")
        XCTAssertEqual(try db.executions(owner: owner, limit: 5, after: nil).first?.status, "cancelled")

        await pool.shutdown()
        try await http.shutdown()
    }
}
