import Foundation
import Jobs
import JunctionCore
import Logging
import Redis
import ServiceLifecycle
import TestSupport
import XCTest

/// The processor is a `Service`: on graceful shutdown it stops claiming jobs, finishes
/// (and acknowledges) the ones in flight, and only then returns.
final class JobProcessorShutdownTests: QueueTestCase, @unchecked Sendable {
    private struct SlowHandler: JobHandler {
        let started: Locked<[String]>
        let finished: Locked<[String]>
        func handle(_ d: JobDelivery) async {
            started.withLock { $0.append(d.envelope.id) }
            // Not cancellable: a graceful shutdown must wait for it, not cut it short.
            let until = ContinuousClock.now + .milliseconds(600)
            while ContinuousClock.now < until { try? await Task.sleep(for: .milliseconds(20)) }
            finished.withLock { $0.append(d.envelope.id) }
        }
        func handleLost(_ d: JobDelivery) async {}
    }

    func testGracefulShutdownFinishesInFlightJobsAndClaimsNoMore() async throws {
        let (started, finished) = (Locked<[String]>([]), Locked<[String]>([]))
        let processor = JobProcessor(kind: .refresh, queue: queue, handler: SlowHandler(started: started, finished: finished),
                                     options: .init(concurrency: 1, visibilityTimeout: .seconds(30)), logger: logger)
        let group = ServiceGroup(configuration: .init(services: [.init(service: processor)], logger: logger))
        let running = Task { try await group.run() }

        let first = JobEnvelope(kind: .refresh, owner: "alice", body: ["sourceId": "a"])
        try await queue.enqueue(first)
        for _ in 0..<300 where started.withLock({ $0.isEmpty }) { try await Task.sleep(for: .milliseconds(10)) }
        XCTAssertEqual(started.withLock { $0 }, [first.id])
        let second = JobEnvelope(kind: .refresh, owner: "bob", body: ["sourceId": "b"])
        try await queue.enqueue(second)

        await group.triggerGracefulShutdown()
        try await running.value

        XCTAssertEqual(finished.withLock { $0 }, [first.id], "the job in flight finished before the processor returned")
        XCTAssertEqual(started.withLock { $0 }, [first.id], "no job was claimed after shutdown began")
        let aliceLeft = try await client.send("XLEN", queue.streamKey(.refresh, owner: "alice")).integer
        XCTAssertEqual(aliceLeft, 0, "the finished job was acknowledged and removed")
        let bobLeft = try await client.send("XLEN", queue.streamKey(.refresh, owner: "bob")).integer
        XCTAssertEqual(bobLeft, 1, "the queued job stays for another worker")
        let bobReady = try await client.send("ZSCORE", queue.readyKey(.refresh), "bob")
        XCTAssertFalse(bobReady.isNull, "bob is still in line")
    }
}
