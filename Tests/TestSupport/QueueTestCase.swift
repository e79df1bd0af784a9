import Jobs
import Logging
import Redis
import XCTest

/// A test case with a private redis-server, a client and a `JobQueue` on it, fresh for
/// every test and stopped after it: what the queue and run-channel tests all start from.
open class QueueTestCase: XCTestCase, @unchecked Sendable {
    package var redis: RedisServer!
    package var client: RedisClient!
    package var queue: JobQueue!
    package let logger = Logger(label: "test")

    override open func setUp() async throws {
        redis = try await RedisServer()
        client = RedisClient(url: redis.url)
        queue = JobQueue(redis: client)
    }

    override open func tearDown() async throws {
        client?.close()
        redis?.stop()
    }
}
