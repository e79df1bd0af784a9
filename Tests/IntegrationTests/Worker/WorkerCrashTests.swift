import Foundation
import Jobs
import JunctionCore
import Logging
import Redis
import Runs
import Store
import TestSupport
import XCTest

/// The real `junction-worker` binary, killed with SIGKILL in the middle of a run.
final class WorkerCrashTests: XCTestCase {
    func testRunOfKilledWorkerIsReportedLostAndNeverRunAgain() async throws {
        let redis = try await RedisServer()
        defer { redis.stop() }
        let dir = TestEnvironment.temporaryDirectory()
        let dbPath = dir.appendingPathComponent("junction.sqlite").path
        let database = try SQLiteStore(path: dbPath)
        let user = try database.userCreatingIfNeeded(email: "crash@example.com")
        let env = [
            "REDIS_URL": "redis://127.0.0.1:\(redis.port)", "JUNCTION_DATABASE_PATH": dbPath,
            "JUNCTION_MASTER_KEY": Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString(),
            "JUNCTION_DENO": try TestEnvironment.deno(), "JUNCTION_SANDBOX_HOST_SCRIPT": TestEnvironment.sandboxScript,
            "JUNCTION_VISIBILITY_TIMEOUT_MS": "1500", "JUNCTION_SANDBOX_PROCESSES": "1",
        ]
        let workerA = try ChildProcess(TestEnvironment.binary("junction-worker"), [], environment: env, log: dir.appendingPathComponent("a.log"))
        defer { workerA.kill() }

        let client = RedisClient(url: redis.url)
        let queue = JobQueue(redis: client)
        let listener = ReplyListener(queue: queue, logger: Logger(label: "test"))
        let service = Task { try await listener.run() }
        defer { service.cancel() }

        let code = "async () => { await new Promise(r => setTimeout(r, 20000)); return 'finished' }"
        let job = JobEnvelope(kind: .execute, owner: user.id, deadline: Date().addingTimeInterval(60), replyTo: listener.frontendID,
                              body: RunRequest(tool: .execute, code: code, timeoutMs: 30_000).json)
        listener.register(jobID: job.id)
        try await queue.enqueue(job)

        let stream = queue.streamKey(.execute, owner: user.id)
        var taken = false
        for _ in 0..<300 {
            if let pending = try? await client.send("XPENDING", stream, "exec-workers").array?.first?.integer, pending == 1 { taken = true; break }
            try await Task.sleep(for: .milliseconds(100))
        }
        XCTAssertTrue(taken, "worker A never took the job; its log:\n\(workerA.log)")
        workerA.kill(SIGKILL)

        let workerB = try ChildProcess(TestEnvironment.binary("junction-worker"), [], environment: env, log: dir.appendingPathComponent("b.log"))
        defer { workerB.kill() }
        let reply = await listener.wait(jobID: job.id, timeout: .seconds(30))
        XCTAssertEqual(reply?.ok, false)
        XCTAssertEqual(reply?.errorCode, "run_lost", "worker B log:\n\(workerB.log)")
        XCTAssertTrue(reply?.errorMessage?.contains("may already have happened") ?? false)

        // The lost job is gone from the queue, so nothing can run it a second time.
        for _ in 0..<50 {
            if try await client.send("XLEN", stream).integer == 0 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        let v1 = try await client.send("XLEN", stream).integer
        XCTAssertEqual(v1, 0)
        let v2 = try await client.send("XPENDING", stream, "exec-workers").array?.first?.integer
        XCTAssertEqual(v2, 0)
        XCTAssertEqual(try database.executions(owner: user.id, limit: 10, after: nil).map(\.status), ["lost"])

        // Worker B keeps serving.
        let next = JobEnvelope(kind: .execute, owner: user.id, deadline: Date().addingTimeInterval(60), replyTo: listener.frontendID,
                               body: RunRequest(tool: .execute, code: "async () => 40 + 2", timeoutMs: 10_000).json)
        listener.register(jobID: next.id)
        try await queue.enqueue(next)
        let ok = await listener.wait(jobID: next.id, timeout: .seconds(30))
        XCTAssertEqual(ok.flatMap { $0.value.map(RunResult.init(json:)) }?.structured["result"], .number(42))
        client.close()
    }
}
