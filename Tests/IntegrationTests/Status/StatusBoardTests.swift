import Foundation
import Jobs
import JunctionCore
import Logging
import Redis
import Status
import TestSupport
import XCTest

/// Heartbeats and recent failures on a real redis-server, and on a real three-node Redis
/// Cluster (every command keeps to one slot); readiness against a Redis that goes away.
final class StatusBoardTests: XCTestCase {
    func testHeartbeatsAreListedRenewedRemovedAndExpire() async throws {
        let server = try await RedisServer()
        defer { server.stop() }
        let redis = RedisClient(url: server.url)
        defer { redis.close() }
        let board = StatusBoard(redis: redis, ttl: .seconds(1))
        let started = Date(timeIntervalSince1970: 1_700_000_000)
        let worker = ProcessHeartbeat(kind: "worker", id: "h-1-a", host: "h", pid: 1, started: started, inFlight: 3)
        let refresher = ProcessHeartbeat(kind: "refresher", id: "h-2-b", host: "h", pid: 2, started: started)
        try await board.publish(worker)
        try await board.publish(refresher)
        let live = try await board.live()
        XCTAssertEqual(live.map(\.id), ["h-2-b", "h-1-a"], "by kind")
        XCTAssertEqual(live[1].inFlight, 3)
        XCTAssertEqual(live[1].started, started)
        XCTAssertEqual(live[1].pid, 1)

        try await board.remove(id: "h-2-b")
        let got1 = try await board.live().map(\.id)
        XCTAssertEqual(got1, ["h-1-a"], "a process that stops withdraws at once")

        // Not renewed: gone after the TTL, though nobody removed it.
        try await Task.sleep(for: .milliseconds(1300))
        let got2 = try await board.live()
        XCTAssertEqual(got2, [])
        let exists = try await redis.send("EXISTS", RedisKeys.processHeartbeat(id: "h-1-a")).integer
        XCTAssertEqual(exists, 0, "the hash expired in Redis")
    }

    func testFailuresAreCappedNewestFirstAndBounded() async throws {
        let server = try await RedisServer()
        defer { server.stop() }
        let redis = RedisClient(url: server.url)
        defer { redis.close() }
        let board = StatusBoard(redis: redis, ttl: .seconds(15), failuresKept: 3)
        for i in 0..<5 {
            await board.record(RecentFailure(work: "run", detail: "execute", outcome: "error", code: "code_\(i)", processID: "p"))
        }
        await board.record(RecentFailure(work: "run", detail: "execute", outcome: "error", code: "throw new Error('x')", processID: "p"))
        let failures = try await board.recentFailures(limit: 10)
        XCTAssertEqual(failures.map(\.code), ["other", "code_4", "code_3"], "capped, newest first, a code that is not an identifier shown as other")
    }

    func testHeartbeatPublisherBeatsUntilShutdownThenWithdraws() async throws {
        let server = try await RedisServer()
        defer { server.stop() }
        let redis = RedisClient(url: server.url)
        defer { redis.close() }
        let board = StatusBoard(redis: redis, ttl: .seconds(3))
        let publisher = HeartbeatPublisher(board: board, kind: "worker", id: "beat-1", interval: .milliseconds(100), inFlight: { 7 },
                                           logger: .init(label: "test"))
        let task = Task { try await publisher.run() }
        var seen: [ProcessHeartbeat] = []
        for _ in 0..<50 where seen.isEmpty {
            seen = try await board.live()
            try await Task.sleep(for: .milliseconds(50))
        }
        XCTAssertEqual(seen.map(\.inFlight), [7])
        let first = seen[0].lastSeen
        try await Task.sleep(for: .milliseconds(300))
        let got3 = try await board.live()[0].lastSeen
        XCTAssertGreaterThan(got3, first, "renewed")
        task.cancel()
        _ = try? await task.value
        let got4 = try await board.live()
        XCTAssertEqual(got4, [], "withdrawn when it stops")
    }

    func testTheBoardWorksOnARedisCluster() async throws {
        let cluster = try await RedisClusterServer()
        defer { cluster.stop() }
        let redis = RedisClient(url: cluster.url)
        defer { redis.close() }
        let got5 = try await redis.cluster()
        XCTAssertNotNil(got5)
        let board = StatusBoard(redis: redis, ttl: .seconds(10))
        for i in 0..<6 {
            try await board.publish(ProcessHeartbeat(kind: "worker", id: "w-\(i)", host: "h", pid: i, started: Date()))
        }
        await board.record(RecentFailure(work: "refresh", detail: "openapi", outcome: "error", code: "upstream_timeout", processID: "r"))
        let got6 = try await board.live().count
        XCTAssertEqual(got6, 6)
        let got7 = try await board.recentFailures().map(\.code)
        XCTAssertEqual(got7, ["upstream_timeout"])
        try await board.remove(id: "w-0")
        let got8 = try await board.live().count
        XCTAssertEqual(got8, 5)
        let slots = Set([RedisKeys.processHeartbeat(id: "w-1"), RedisKeys.processIndex, RedisKeys.recentFailures].map(RedisSlot.of))
        XCTAssertEqual(slots.count, 1, "all status keys share the {status} slot")
        // The queue depth read on a cluster too (ready line and user streams on several nodes).
        let queue = JobQueue(redis: redis)
        for owner in ["a", "b", "c", "d"] {
            try await queue.enqueue(JobEnvelope(kind: .refresh, owner: owner, body: 1))
            try await queue.enqueue(JobEnvelope(kind: .refresh, owner: owner, body: 2))
        }
        let depth = try await queue.depth(.refresh)
        XCTAssertEqual(depth, 8)
    }

    func testReadinessFollowsRedisAndGivesUpOnAHangingProbe() async throws {
        let server = try await RedisServer()
        let redis = RedisClient(url: server.url)
        defer { redis.close() }
        let readiness = Readiness(checks: [
            .init("redis") { _ = try await redis.send("PING") },
            .init("store") {},
        ], timeout: .milliseconds(500))
        var report = await readiness.report()
        XCTAssertEqual(report.status, 200)
        XCTAssertEqual(report.body, #"{"checks":{"redis":"ok","store":"ok"},"status":"ready"}"#)
        server.stop()
        try await Task.sleep(for: .milliseconds(100))
        report = await readiness.report()
        XCTAssertEqual(report.status, 503)
        XCTAssertTrue(report.body.contains(#""redis":"unavailable""#), report.body)
        try await server.start()
        var back = 0
        for _ in 0..<40 where back != 200 {
            back = await readiness.report().status
            try await Task.sleep(for: .milliseconds(100))
        }
        XCTAssertEqual(back, 200)

        let hanging = Readiness(checks: [.init("store") { try await Task.sleep(for: .seconds(60)) }], timeout: .milliseconds(200))
        let started = ContinuousClock.now
        let hung = await hanging.report()
        XCTAssertEqual(hung.status, 503)
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(2))
    }
}
