import Foundation
@testable import Frontend
import Redis
import Synchronization
import TestSupport
import XCTest

/// The per-user token bucket: exact for a slow client, never above the limit across
/// instances, and cheap (few Redis round trips) for a busy one.
final class RateLimiterTests: XCTestCase {
    var redis: RedisServer!
    var client: RedisClient!

    override func setUp() async throws {
        redis = try await RedisServer()
        client = RedisClient(url: redis.url)
    }

    override func tearDown() async throws {
        client?.close()
        redis?.stop()
    }

    func testASmallBucketAdmitsExactlyItsBurstThenRefusesWithAWait() async throws {
        let limiter = RateLimiter(redis: client, ratePerSecond: 1, burst: 3)
        var decisions: [RateLimiter.Decision] = []
        for _ in 0..<5 { decisions.append(try await limiter.take(owner: "alice")) }
        XCTAssertEqual(Array(decisions.prefix(3)), [.allowed, .allowed, .allowed])
        for d in decisions.dropFirst(3) {
            guard case .limited(let ms) = d else { return XCTFail("\(decisions)") }
            XCTAssertTrue((1...1000).contains(ms), "\(ms)")
        }
        let neighbour = try await limiter.take(owner: "bob")
        XCTAssertEqual(neighbour, .allowed, "buckets are per user")
    }

    /// Two frontends hammering one user's bucket (no refill to speak of) admit at most
    /// the burst in total, lose at most their unspent leases, and need far fewer round
    /// trips than requests.
    func testInstancesSharingABucketNeverAdmitMoreThanIt() async throws {
        let burst = 1_000
        let instances = [RateLimiter(redis: client, ratePerSecond: 0.001, burst: burst, leaseLifetime: .seconds(30)),
                         RateLimiter(redis: client, ratePerSecond: 0.001, burst: burst, leaseLifetime: .seconds(30))]
        let total = try await withThrowingTaskGroup(of: Int.self) { group in
            for worker in 0..<16 {
                let limiter = instances[worker % 2]
                group.addTask {
                    var admitted = 0
                    for _ in 0..<200 where try await limiter.take(owner: "carol") == .allowed { admitted += 1 }
                    return admitted
                }
            }
            return try await group.reduce(0, +)
        }
        XCTAssertLessThanOrEqual(total, burst, "the shared bucket was exceeded")
        XCTAssertGreaterThanOrEqual(total, burst - 2 * instances[0].maxLease, "more tokens lost to leases than two leases hold")
        let trips = instances.map { $0.roundTrips.load(ordering: .relaxed) }.reduce(0, +)
        XCTAssertLessThan(trips, 3200 / 4, "a busy user should mostly be served from leases (\(trips) round trips)")
    }

    func testASlowClientTakesOneTokenPerRequest() async throws {
        let limiter = RateLimiter(redis: client, ratePerSecond: 0.001, burst: 100, leaseLifetime: .milliseconds(20))
        for _ in 0..<5 {
            let decision = try await limiter.take(owner: "dave")
            XCTAssertEqual(decision, .allowed)
            try await Task.sleep(for: .milliseconds(40))
        }
        let left = try await client.send(["HGET", "junction:{u:dave}:rate", "t"])
        XCTAssertEqual(Double(left.string ?? "") ?? -1, 95, accuracy: 0.01, "no tokens leased beyond the requests made")
    }
}
