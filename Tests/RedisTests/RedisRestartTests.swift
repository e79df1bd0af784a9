import Foundation
import Redis
import TestSupport
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// Redis restarts under running clients (killed, started again on the same port, without
/// its data): connections made before the restart serve again at once, and a server that
/// stops answering without closing the socket does not hold a blocked reader for long.
final class RedisRestartTests: XCTestCase {
    var redis: RedisServer!

    override func setUp() async throws { redis = try await RedisServer() }
    override func tearDown() async throws { redis?.stop() }

    /// The restarted server closed every socket it had; a pool connection idle since must
    /// notice before it writes, not swallow the next call and fail it.
    func testEveryPooledConnectionServesTheFirstCallAfterARestart() async throws {
        let client = RedisClient(url: redis.url, connections: 4)
        defer { client.close() }
        for i in 0..<8 { try await client.send("SET", "before\(i)", "1") }
        try await redis.restart()
        for i in 0..<8 {
            let reply = try await client.send("SET", "after\(i)", "v\(i)")
            XCTAssertEqual(reply.string, "OK", "call \(i) after the restart")
        }
        let gone = try await client.send("GET", "before0")
        XCTAssertTrue(gone.isNull, "the restarted server has none of the old data (the hard case)")
        let kept = try await client.send("GET", "after7")
        XCTAssertEqual(kept.string, "v7")
    }

    /// The same for pipelines and for the blocking connection's chained calls.
    func testPipelinesAndChainedCallsServeAfterARestart() async throws {
        let conn = RedisConnection(url: redis.url, label: "test.restart.pipeline")
        defer { conn.close() }
        _ = try await conn.pipeline([["RPUSH", "l", "a"], ["LLEN", "l"]])
        try await redis.restart()
        let replies = try await conn.pipeline([["RPUSH", "l", "b"], ["LLEN", "l"]])
        XCTAssertEqual(replies[1].integer, 1)
        try await redis.restart()
        let chained = try await conn.pipeline([["RPUSH", "m", "x"]]) { _ in [["LPOP", "m"]] }
        XCTAssertEqual(chained.first[0].integer, 1)
        XCTAssertEqual(try chained.then?.get()[0].string, "x")
    }

    /// A reader blocked in BLPOP when Redis goes away fails at once, and its next call
    /// blocks on the restarted server and gets what is pushed there.
    func testABlockedReaderNoticesTheRestartAndReadsFromTheNewServer() async throws {
        let reader = RedisClient(url: redis.url).makeBlockingConnection(label: "test.restart.blocked")
        defer { reader.close() }
        _ = try await reader.send(["PING"])
        let clock = ContinuousClock()
        let blocked = Task { try await reader.send(["BLPOP", "jobs", "3"]) }
        try await Task.sleep(for: .milliseconds(200))
        let killedAt = clock.now
        redis.stop()
        do {
            _ = try await blocked.value
            XCTFail("a read on a server that went away must fail")
        } catch let error as RedisError {
            XCTAssertEqual(error.kind, .connection)
        }
        XCTAssertLessThan(clock.now - killedAt, .seconds(1), "the blocked read failed when the server went away")
        try await redis.start()
        let next = Task { try await reader.send(["BLPOP", "jobs", "3"]) }
        try await Task.sleep(for: .milliseconds(200))
        let pusher = RedisConnection(url: redis.url)
        defer { pusher.close() }
        _ = try await pusher.send(["RPUSH", "jobs", "j1"])
        let popped = try await next.value
        XCTAssertEqual(popped.array?.last?.string, "j1")
    }

    /// A server that stops answering but keeps the socket open (a host or network failure:
    /// no FIN ever comes) holds a blocking connection for `blockingReadTimeout`, not for the
    /// 30 s of an ordinary connection.
    func testABlockingConnectionGivesUpOnASilentServer() async throws {
        let listener = try SilentListener()
        defer { listener.close() }
        let conn = RedisClient(url: .tcp(host: "127.0.0.1", port: listener.port, database: 0))
            .makeBlockingConnection(label: "test.silent")
        defer { conn.close() }
        let clock = ContinuousClock()
        let started = clock.now
        do {
            _ = try await conn.send(["BZPOPMIN", "junction:ready:exec", "1"])
            XCTFail("a silent server must not answer")
        } catch let error as RedisError {
            XCTAssertEqual(error.kind, .connection)
        }
        let waited = clock.now - started
        XCTAssertLessThan(waited, RedisClient.blockingReadTimeout + .seconds(2), "gave up after \(waited)")
        XCTAssertLessThanOrEqual(RedisClient.blockingReadTimeout, .seconds(5))
    }
}

/// Accepts TCP connections on loopback (the kernel does, from its backlog) and never
/// reads or answers.
private final class SilentListener {
    let fd: Int32
    let port: Int

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 16) == 0 else { throw TestSetupError(message: "cannot listen on loopback") }
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        self.fd = fd
        port = Int(UInt16(bigEndian: addr.sin_port))
    }

    func close() { Glibc.close(fd) }
}
