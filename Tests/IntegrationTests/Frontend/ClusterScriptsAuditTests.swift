import Foundation
@testable import Frontend
import Jobs
import JunctionCore
import Redis
import Runs
import TestSupport
import XCTest

/// Every Lua script Junction runs, run for real on a three-node Redis Cluster with the
/// keys the code gives it: the run-slot enqueue, the rate limiter, the sign-in throttle and
/// the lock release. A script whose declared keys span slots is refused (`CROSSSLOT`) and
/// one that touches an undeclared key on another node fails on the node; neither happens.
/// Users are chosen so that their keys live on every node.
final class ClusterScriptsAuditTests: XCTestCase {
    func testEveryScriptKeepsToOneSlotOnARealCluster() async throws {
        let cluster = try await RedisClusterServer()
        defer { cluster.stop() }
        let client = RedisClient(url: cluster.url)
        defer { client.close() }
        let routed = try await client.cluster()
        XCTAssertNotNil(routed, "the audit runs on a cluster")
        let owners = RedisClusterServer.ranges.map { range in
            (0...).lazy.map { "audit-\($0)" }.first { range.contains(RedisSlot.of(RedisKeys.runSlots(owner: $0))) }!
        }
        let queue = JobQueue(redis: client)

        // RunSlots: slot set, job stream, session run note, session — one user's tag.
        let slots = RunSlots(redis: client, maxPerUser: 1)
        for owner in owners {
            let session = RedisKeys.sessionPrefix(owner: owner) + "s"
            try await client.pipeline([["HSET", session, "owner", owner], ["EXPIRE", session, "60"]])
            let binding = RunSlots.SessionBinding(sessionKey: session, sessionTTLSeconds: 60,
                                                  runKey: RedisKeys.sessionRun(owner: owner, session: "s", requestID: "\"r-{1}\""), runTTL: .seconds(60))
            let job = JobEnvelope(kind: .execute, owner: owner, deadline: Date().addingTimeInterval(30), replyTo: "f", body: 1)
            let first = try await slots.acquireAndEnqueue(job, on: queue, session: binding)
            XCTAssertEqual(first, .enqueued, owner)
            let second = try await slots.acquireAndEnqueue(JobEnvelope(kind: .execute, owner: owner, body: 2), on: queue, session: binding)
            XCTAssertEqual(second, .atCapacity, "the script ran its cap check on \(owner)'s node")
            let missing = RunSlots.SessionBinding(sessionKey: session + "-gone", sessionTTLSeconds: 60,
                                                  runKey: binding.runKey, runTTL: .seconds(60))
            let orphan = try await slots.acquireAndEnqueue(JobEnvelope(kind: .execute, owner: owner, body: 3), on: queue, session: missing)
            XCTAssertEqual(orphan, .noSession)
        }

        // The rate limiter's token bucket.
        let limiter = RateLimiter(redis: client, ratePerSecond: 1, burst: 2)
        for owner in owners {
            var decisions: [RateLimiter.Decision] = []
            for _ in 0..<3 { decisions.append(try await limiter.take(owner: owner)) }
            XCTAssertEqual(Array(decisions.prefix(2)), [.allowed, .allowed], owner)
            guard case .limited = decisions[2] else { return XCTFail("\(owner): \(decisions)") }
        }

        // The sign-in throttle (a refusal with bucket nil would mean the script failed).
        let throttle = AbuseThrottle(redis: client, limits: [.signInPerIP: ThrottleLimit(count: 1, windowMs: 60_000)])
        var subjects: [String] = []
        for range in RedisClusterServer.ranges {
            subjects.append((0...).lazy.map { "198.51.100.\($0)" }.first { range.contains(RedisSlot.of(AbuseThrottle.key(.signInPerIP, $0))) }!)
        }
        for subject in subjects {
            let first = await throttle.take([(.signInPerIP, subject)])
            XCTAssertNil(first, subject)
            let second = await throttle.take([(.signInPerIP, subject)])
            XCTAssertEqual(second?.bucket, .signInPerIP, "the script answered for \(subject), not an error")
        }

        // The lock's release script, on a per-user lock key.
        for owner in owners {
            let lock = RedisLock(redis: client, key: RedisKeys.oauthRefreshLock(owner: owner, sourceID: "src"), ttl: .seconds(10))
            let token = try await XCTUnwrapAsync(try await lock.tryAcquire())
            let released = try await lock.release(token)
            XCTAssertTrue(released, owner)
        }
        // The scripts ran on every node (each keeps its own script cache).
        for node in cluster.nodes {
            let cached = try await RedisClusterServer.command(node.url, ["SCRIPT", "EXISTS", RateLimiter.script.sha, AbuseThrottle.script.sha])
            XCTAssertEqual(cached.array?.compactMap(\.integer), [1, 1], "node \(node.port)")
        }
    }

    private func XCTUnwrapAsync<T>(_ value: @autoclosure () async throws -> T?) async throws -> T {
        let v = try await value()
        return try XCTUnwrap(v)
    }
}
