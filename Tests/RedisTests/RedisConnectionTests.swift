import Foundation
import Redis
import Synchronization
import TestSupport
import XCTest

/// Concurrent calls on one connection share round trips, and each still gets exactly its
/// own replies and its own errors.
final class RedisConnectionTests: XCTestCase {
    var redis: RedisServer!

    override func setUp() async throws { redis = try await RedisServer() }
    override func tearDown() async throws { redis?.stop() }

    func testConcurrentCallsArePipelinedAndAnsweredInOrder() async throws {
        let conn = RedisConnection(url: redis.url, label: "test.pipeline")
        defer { conn.close() }
        let calls = 400
        let results = try await withThrowingTaskGroup(of: (Int, Result<[RESPValue], Error>).self) { group in
            for i in 0..<calls {
                group.addTask {
                    // A server error must fail its own call only, not its batch neighbours.
                    let commands = i % 50 == 7 ? [["SET", "k\(i)", "v"], ["NOSUCHCOMMAND", "x"]]
                        : [["SET", "k\(i)", "v\(i)"], ["GET", "k\(i)"], ["INCR", "counter"]]
                    do { return (i, .success(try await conn.pipeline(commands))) } catch { return (i, .failure(error)) }
                }
            }
            var out: [Int: Result<[RESPValue], Error>] = [:]
            for try await (i, r) in group { out[i] = r }
            return out
        }
        var counters: Set<Int> = []
        for i in 0..<calls {
            switch results[i]! {
            case .success(let replies):
                XCTAssertNotEqual(i % 50, 7, "call \(i) should have failed")
                XCTAssertEqual(replies.count, 3)
                XCTAssertEqual(replies[1].string, "v\(i)", "call \(i) got another call's reply")
                counters.insert(replies[2].integer ?? -1)
            case .failure(let error):
                XCTAssertEqual(i % 50, 7, "call \(i) failed: \(error)")
                XCTAssertTrue("\(error)".lowercased().contains("unknown command"), "\(error)")
            }
        }
        XCTAssertEqual(counters.count, calls - calls / 50, "every INCR answered exactly once")
        let trips = conn.roundTrips.load(ordering: .relaxed)
        XCTAssertLessThan(trips, calls, "concurrent calls should share round trips (\(trips) for \(calls) calls)")
        // The connection keeps working after the errors.
        let tail = try await conn.send(["GET", "k0"])
        XCTAssertEqual(tail.string, "v0")
    }

    func testALostServerFailsWaitingCallsAndTheNextCallReconnects() async throws {
        let conn = RedisConnection(url: redis.url, label: "test.reconnect", readTimeout: .seconds(5))
        defer { conn.close() }
        _ = try await conn.send(["SET", "a", "1"])
        _ = try? await conn.send(["CLIENT", "KILL", "TYPE", "normal"])
        // The first call after the kill may fail (the socket is dead); one after it reconnects.
        _ = try? await conn.send(["PING"])
        let value = try await conn.send(["GET", "a"])
        XCTAssertEqual(value.string, "1")
    }

    /// A command larger than the socket buffer: the caller writes what fits without
    /// blocking, the connection's queue writes the rest, and nothing is lost or reordered.
    func testACommandLargerThanTheSocketBufferGoesOutWhole() async throws {
        let conn = RedisConnection(url: redis.url, label: "test.large")
        defer { conn.close() }
        _ = try await conn.send(["PING"])  // connected, so the next call writes on its own thread
        let big = String(repeating: "0123456789abcdef", count: 1 << 19)  // 8 MiB
        async let set = conn.pipeline([["SET", "big", big], ["STRLEN", "big"]])
        async let other = conn.send(["INCR", "n"])
        let (replies, n) = try await (set, other)
        XCTAssertEqual(replies[1].integer, big.utf8.count)
        XCTAssertEqual(n.integer, 1)
        conn.close()
        let again = try await conn.send(["STRLEN", "big"])
        XCTAssertEqual(again.integer, big.utf8.count, "the connection reopens after close()")
    }
}
