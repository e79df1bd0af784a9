import Foundation
import Redis
import TestSupport
import XCTest

/// The key-to-slot rule, the command table that finds each command's keys, and the
/// promise that every set of keys Junction uses together shares one slot.
final class RedisSlotTests: XCTestCase {
    /// CRC16/XMODEM's check value, and the hash-tag rule's corner cases as the Redis
    /// Cluster specification states them.
    func testSlotsFollowTheClusterSpecification() {
        XCTAssertEqual(RedisSlot.of("123456789"), 0x31C3 % 16384, "CRC16/XMODEM check value")
        XCTAssertEqual(RedisSlot.of("foo"), 12182)
        XCTAssertEqual(RedisSlot.of("{user1000}.following"), RedisSlot.of("{user1000}.followers"))
        XCTAssertEqual(RedisSlot.of("{user1000}.following"), RedisSlot.of("user1000"))
        XCTAssertEqual(RedisSlot.of("foo{}{bar}"), RedisSlot.of("foo{}{bar}"), "an empty tag hashes the whole key")
        XCTAssertNotEqual(RedisSlot.of("foo{}{bar}"), RedisSlot.of("bar"))
        XCTAssertEqual(RedisSlot.of("foo{{bar}}zap"), RedisSlot.of("{bar"), "the tag is up to the first } after the first {")
        XCTAssertEqual(RedisSlot.of("foo{bar}{zap}"), RedisSlot.of("bar"), "only the first tag counts")
        XCTAssertEqual(RedisSlot.of("no-close{tag"), RedisSlot.of("no-close{tag"))
        XCTAssertEqual(RedisSlot.of("junction:{u:alice}:exec"), RedisSlot.of("u:alice"))
        XCTAssertEqual(RedisSlot.of("ключ{é}"), RedisSlot.of("é"), "bytes, not characters")
    }

    /// Redis itself (`CLUSTER KEYSLOT`, on a real cluster node) agrees with `RedisSlot` on
    /// a thousand keys shaped like Junction's and a few awkward ones.
    func testSlotsAgreeWithRedis() async throws {
        let cluster = try await RedisClusterServer()
        defer { cluster.stop() }
        let connection = RedisConnection(url: cluster.url, label: "test.keyslot")
        defer { connection.close() }
        var keys = (0..<1000).map { RedisKeys.jobStream(kind: "exec", owner: "owner-\($0)") }
        keys += ["", "{", "}", "{}", "a{b}c", "{a}{b}", "x{}y{z}", "\u{00e9}t\u{00e9}", "junction:ready:exec", "junction:reply:f-1"]
        let replies = try await connection.pipeline(keys.map { ["CLUSTER", "KEYSLOT", $0] })
        for (key, reply) in zip(keys, replies) {
            XCTAssertEqual(reply.integer, RedisSlot.of(key), key)
        }
    }

    /// The table finds the keys of every command shape Junction sends.
    func testCommandTableFindsTheKeys() throws {
        XCTAssertEqual(try RedisCommandKeys.keys(of: ["GET", "a"]), ["a"])
        XCTAssertEqual(try RedisCommandKeys.keys(of: ["del", "a", "b"]), ["a", "b"])
        XCTAssertEqual(try RedisCommandKeys.keys(of: ["EVALSHA", "abc", "2", "k1", "k2", "arg"]), ["k1", "k2"])
        XCTAssertEqual(try RedisCommandKeys.keys(of: ["EVAL", "return 1", "0", "arg"]), [])
        XCTAssertEqual(try RedisCommandKeys.keys(of: ["BZPOPMIN", "q1", "q2", "1.000"]), ["q1", "q2"])
        XCTAssertEqual(try RedisCommandKeys.keys(of: ["XREADGROUP", "GROUP", "g", "c", "COUNT", "1", "STREAMS", "s", ">"]), ["s"])
        XCTAssertEqual(try RedisCommandKeys.keys(of: ["XREAD", "COUNT", "200", "BLOCK", "100", "STREAMS", "a", "b", "0-0", "0-0"]), ["a", "b"])
        XCTAssertEqual(try RedisCommandKeys.keys(of: ["XGROUP", "CREATE", "s", "g", "0", "MKSTREAM"]), ["s"])
        XCTAssertEqual(try RedisCommandKeys.keys(of: ["MSET", "a", "1", "b", "2"]), ["a", "b"])
        XCTAssertEqual(try RedisCommandKeys.keys(of: ["PING"]), [])
        XCTAssertThrowsError(try RedisCommandKeys.keys(of: ["NOSUCHCOMMAND", "x"]))
        XCTAssertThrowsError(try RedisCommandKeys.keys(of: ["EVAL", "return 1", "3", "only-one"]))
        XCTAssertThrowsError(try RedisSlot.of(command: ["EVAL", "return 1", "2", "{a}1", "{b}2"])) { error in
            XCTAssertTrue((error as? RedisError)?.message.hasPrefix("CROSSSLOT") ?? false, "\(error)")
        }
        XCTAssertEqual(try RedisSlot.of(command: ["EVAL", "return 1", "2", "{a}1", "{a}2"]), RedisSlot.of("a"))
    }

    /// Every command the code sends is in the routing table: the command names written as
    /// the first element of a command array or as `send`'s first argument anywhere under
    /// Sources/ (a new command would otherwise be refused on a cluster at run time).
    func testEveryCommandInTheSourcesIsInTheTable() throws {
        let sources = TestEnvironment.repoRoot.appendingPathComponent("Sources")
        let patterns = [#"\[\"([A-Z][A-Z_]+)\""#, #"send\(\"([A-Z][A-Z_]+)\""#, #"command: \"([A-Z][A-Z_]+)\""#]
        let regexes = try patterns.map { try NSRegularExpression(pattern: $0) }
        var found: [String: String] = [:]
        let files = FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil)!
        for case let file as URL in files where file.pathExtension == "swift" {
            let text = try String(contentsOf: file, encoding: .utf8)
            guard text.contains("import Redis") || file.path.contains("/Common/Redis/") else { continue }
            for regex in regexes {
                for match in regex.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                    let name = String(text[Range(match.range(at: 1), in: text)!])
                    found[name] = file.lastPathComponent
                }
            }
        }
        XCTAssertGreaterThan(found.count, 20, "the scan found the commands: \(found.keys.sorted())")
        for (name, file) in found.sorted(by: { $0.key < $1.key }) where !["GROUP", "STREAMS", "COUNT", "MAXLEN", "NX", "PX", "JUSTID", "MKSTREAM", "KEYS"].contains(name) {
            XCTAssertTrue(RedisCommandKeys.isKnown([name]), "\(name) (in \(file)) is not in RedisCommandKeys")
        }
        for name in ["XADD", "XREADGROUP", "BZPOPMIN", "EVALSHA", "GETDEL", "XAUTOCLAIM"] {
            XCTAssertNotNil(found[name], "the scan should see \(name)")
        }
    }

    /// The keys one command or script touches together share a slot for any owner: the
    /// run-slot script's slots, job stream, session run note and session; and a user's
    /// other keys carry the same tag. Keys shared by all users are only ever used alone.
    func testKeysUsedTogetherShareASlot() throws {
        for owner in ["alice", "u-1", "01J9Z3V6Q8", "b\u{00f6}b", "x}y", "{weird"] {
            let together = [
                RedisKeys.runSlots(owner: owner),
                RedisKeys.jobStream(kind: "exec", owner: owner),
                RedisKeys.jobStream(kind: "refresh", owner: owner),
                RedisKeys.sessionRun(owner: owner, session: "s-1", requestID: "\"{id}\""),
                RedisKeys.sessionPrefix(owner: owner) + "session-id",
                RedisKeys.rate(owner: owner),
                RedisKeys.oauthRefreshLock(owner: owner, sourceID: "src"),
                RedisKeys.refreshClaim(owner: owner, sourceID: "src"),
            ]
            XCTAssertEqual(Set(together.map(RedisSlot.of)).count, 1, "\(owner): \(together)")
            XCTAssertEqual(try RedisSlot.of(command: ["EVALSHA", "sha", String(together.count)] + together + ["arg"]), RedisSlot.of(together[0]))
        }
        // Different users are spread over the slots (the tag is the user's, not a constant).
        let spread = Set((0..<200).map { RedisSlot.of(RedisKeys.jobStream(kind: "exec", owner: "user-\($0)")) / 5462 })
        XCTAssertEqual(spread.count, 3, "200 users land on all three thirds of the slot space")
        // Each throttle key is its own tag: one bucket per key, used alone.
        let throttle = RedisKeys.throttle(bucket: "ip", subjectHash: "abc")
        XCTAssertEqual(RedisSlot.of(throttle), RedisSlot.of("ip:abc"))
    }

    /// In debug builds a command whose keys span slots is refused even by a single Redis,
    /// so the ordinary tests catch what a cluster would refuse.
    func testSingleRedisRefusesCrossSlotCommandsInDebugBuilds() async throws {
        let server = try await RedisServer()
        defer { server.stop() }
        let client = RedisClient(url: server.url)
        defer { client.close() }
        let cluster = try await client.cluster()
        XCTAssertNil(cluster, "a plain redis-server is not a cluster")
        try await client.send("SET", "{a}x", "1")
        do {
            try await client.send("EVAL", "return redis.call('get', KEYS[1])", "2", "{a}x", "{b}y")
            XCTFail("a script over two slots must be refused")
        } catch let error as RedisError {
            XCTAssertTrue(error.message.hasPrefix("CROSSSLOT"), "\(error)")
        }
        let same = try await client.send("EVAL", "return redis.call('get', KEYS[1])", "2", "{a}x", "{a}y")
        XCTAssertEqual(same.string, "1")
    }
}
