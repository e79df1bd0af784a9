import Foundation
import Redis
import TestSupport
import XCTest

/// The lock every Junction process shares through Redis, against a real redis-server.
final class RedisLockTests: XCTestCase {
    func testRedisLockIsExclusiveAndOnlyItsHolderReleasesIt() async throws {
        let server = try await RedisServer()
        let redis = RedisClient(url: server.url)
        defer { redis.close(); server.stop() }
        let lock = RedisLock(redis: redis, key: "t:lock", ttl: .seconds(5))
        let token = try await lock.tryAcquire()
        XCTAssertNotNil(token)
        let second = try await lock.tryAcquire()
        XCTAssertNil(second, "a held lock cannot be taken")
        let wrongRelease = try await lock.release("not-the-holder")
        XCTAssertFalse(wrongRelease)
        let third = try await lock.tryAcquire()
        XCTAssertNil(third, "a wrong token does not release it")
        let released = try await lock.release(token!)
        XCTAssertTrue(released)
        let again = try await lock.tryAcquire()
        XCTAssertNotNil(again)
    }

    func testRedisLockExpiresAndStaleHolderCannotReleaseNewHolder() async throws {
        let server = try await RedisServer()
        let redis = RedisClient(url: server.url)
        defer { redis.close(); server.stop() }
        let lock = RedisLock(redis: redis, key: "t:lock2", ttl: .milliseconds(200))
        let old = try await lock.tryAcquire()!
        try await Task.sleep(for: .milliseconds(350))
        let new = try await lock.acquire(wait: .seconds(1))
        XCTAssertNotNil(new, "an expired lock can be taken")
        let staleRelease = try await lock.release(old)
        XCTAssertFalse(staleRelease, "the stale holder must not release the new holder's lock")
        let holder = try await redis.send("GET", "t:lock2").string
        XCTAssertEqual(holder, new)
    }

    func testRedisLockSerialisesConcurrentHolders() async throws {
        let server = try await RedisServer()
        let redis = RedisClient(url: server.url)
        defer { redis.close(); server.stop() }
        let lock = RedisLock(redis: redis, key: "t:lock3", ttl: .seconds(10))
        let counter = Locked<(inside: Int, maxInside: Int, total: Int)>((0, 0, 0))
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    // Separate connections, as separate processes would have.
                    let other = RedisLock(redis: RedisClient(url: server.url, connections: 1), key: "t:lock3", ttl: .seconds(10))
                    try await other.withLock(wait: .seconds(10)) {
                        counter.withLock { $0.inside += 1; $0.maxInside = max($0.maxInside, $0.inside); $0.total += 1 }
                        try await Task.sleep(for: .milliseconds(20))
                        counter.withLock { $0.inside -= 1 }
                    }
                }
            }
            try await group.waitForAll()
        }
        _ = lock
        let final = counter.withLock { $0 }
        XCTAssertEqual(final.total, 8)
        XCTAssertEqual(final.maxInside, 1, "two holders were inside at once")
    }
}
