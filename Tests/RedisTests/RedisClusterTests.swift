import Foundation
import Redis
import Synchronization
import TestSupport
import XCTest

/// `RedisClient` on a real three-node Redis Cluster: found out by itself, each command on
/// the node that owns its key, pipelines split by node with replies in order, `MOVED` and
/// `ASK` followed across a slot migration, blocking connections on the right node, and
/// commands over several slots refused as Redis would.
final class RedisClusterTests: XCTestCase {
    var cluster: RedisClusterServer!
    var client: RedisClient!

    override func setUp() async throws {
        cluster = try await RedisClusterServer()
        client = RedisClient(url: cluster.url, connections: 2)
    }

    override func tearDown() async throws {
        client?.close()
        cluster?.stop()
    }

    /// A key for each node (by the slot ranges the cluster was created with).
    private func keysOnEachNode(prefix: String) -> [String] {
        RedisClusterServer.ranges.map { range in
            (0...).lazy.map { "\(prefix)-\($0)" }.first { range.contains(RedisSlot.of($0)) }!
        }
    }

    func testCommandsAndPipelinesAreRoutedToTheNodeOwningTheKey() async throws {
        let routed = try await client.cluster()
        let map = try XCTUnwrap(routed, "the client finds out it talks to a cluster").slotMap
        XCTAssertEqual(map.primaries.count, 3)
        XCTAssertTrue(map.coversEverySlot)

        let keys = keysOnEachNode(prefix: "k")
        // One pipeline over three nodes: written in order, replies in order.
        var commands: [[String]] = []
        for (n, key) in keys.enumerated() { commands += [["SET", key, "v\(n)"], ["INCR", "{\(key)}:n"], ["GET", key]] }
        commands.append(["PING"])
        let replies = try await client.pipeline(commands)
        XCTAssertEqual(replies.count, commands.count)
        for n in keys.indices {
            XCTAssertEqual(replies[3 * n].string, "OK")
            XCTAssertEqual(replies[3 * n + 1].integer, 1)
            XCTAssertEqual(replies[3 * n + 2].string, "v\(n)")
        }
        XCTAssertEqual(replies.last?.string, "PONG")
        // Each key is held by the node that owns its slot, and only there.
        for (n, key) in keys.enumerated() {
            let owner = cluster.node(forSlot: RedisSlot.of(key))
            XCTAssertEqual(owner.port, cluster.nodes[n].port)
            let direct = try await RedisClusterServer.command(owner.url, ["GET", key])
            XCTAssertEqual(direct.string, "v\(n)")
            for other in cluster.nodes where other.port != owner.port {
                let size = try await RedisClusterServer.command(other.url, ["DBSIZE"]).integer
                XCTAssertEqual(size, 2, "node \(other.port) holds only its own key and counter")
            }
        }
        // A server error fails the pipeline with every other reply kept, as on one Redis.
        do {
            _ = try await client.pipeline([["SET", keys[0], "x"], ["INCR", keys[1]], ["GET", keys[2]]])
            XCTFail("INCR of a non-number must fail")
        } catch let error as RedisError {
            XCTAssertEqual(error.replyErrors.keys.sorted(), [1], "\(error)")
            XCTAssertEqual(error.replies[2].string, "v2")
        }
    }

    /// A command whose keys are in different slots is refused before it is sent, with the
    /// error Redis Cluster itself gives.
    func testCommandsOverSeveralSlotsAreRefusedAsRedisWould() async throws {
        let script = "return redis.call('set', KEYS[1], '1')"
        do {
            try await client.send("EVAL", script, "2", "{a}x", "{b}y")
            XCTFail("the client must refuse keys in two slots")
        } catch let error as RedisError {
            XCTAssertTrue(error.message.hasPrefix("CROSSSLOT"), "\(error)")
        }
        // What the node would have answered.
        let owner = cluster.node(forSlot: RedisSlot.of("a"))
        do {
            try await RedisClusterServer.command(owner.url, ["EVAL", script, "2", "{a}x", "{b}y"])
            XCTFail("redis must refuse it too")
        } catch let error as RedisError {
            XCTAssertTrue(error.message.hasPrefix("CROSSSLOT"), "\(error)")
        }
        let size = try await RedisClusterServer.command(owner.url, ["EXISTS", "{a}x"]).integer
        XCTAssertEqual(size, 0, "nothing was written")
        do {
            try await client.send("NOSUCHCOMMAND", "k")
            XCTFail("a command the table does not know is refused")
        } catch let error as RedisError {
            XCTAssertTrue(error.message.contains("routing table"), "\(error)")
        }
    }

    /// After a slot moves to another node, the client's next command for it gets `MOVED`,
    /// follows it and updates its map; the caller sees only the value.
    func testMovedAfterASlotMigrationIsFollowedTransparently() async throws {
        let key = keysOnEachNode(prefix: "moving")[0]
        let slot = RedisSlot.of(key)
        try await client.send("SET", key, "before")
        let map = try await client.cluster()!.slotMap
        XCTAssertEqual(map.primary(forSlot: slot)?.port, cluster.nodes[0].port)

        try await cluster.migrate(slot: slot, to: cluster.nodes[2])
        let routed = try await client.cluster()!
        let redirects = routed.redirectsFollowed.load(ordering: .relaxed)
        let value = try await client.send("GET", key)
        XCTAssertEqual(value.string, "before")
        XCTAssertGreaterThan(routed.redirectsFollowed.load(ordering: .relaxed), redirects, "a MOVED was followed")
        XCTAssertEqual(routed.slotMap.primary(forSlot: slot)?.port, cluster.nodes[2].port, "the map now says where the slot is")
        // A pipeline over the moved slot and the others works, without another redirect.
        let after = routed.redirectsFollowed.load(ordering: .relaxed)
        let replies = try await client.pipeline([["SET", key, "after"], ["GET", keysOnEachNode(prefix: "k")[1]], ["GET", key]])
        XCTAssertEqual(replies[2].string, "after")
        XCTAssertEqual(routed.redirectsFollowed.load(ordering: .relaxed), after)
    }

    /// While a slot is being migrated, a key already moved is answered with `ASK`: the
    /// client sends `ASKING` and the command to the importing node, and keeps the map.
    func testAskDuringAMigrationIsFollowed() async throws {
        let keys = keysOnEachNode(prefix: "asking")
        let key = keys[1]
        let slot = RedisSlot.of(key)
        try await client.send("SET", key, "moved-early")
        _ = try await client.cluster()
        try await cluster.migrate(slot: slot, to: cluster.nodes[0], finish: false)
        let routed = try await client.cluster()!
        let value = try await client.send("GET", key)
        XCTAssertEqual(value.string, "moved-early")
        XCTAssertEqual(routed.slotMap.primary(forSlot: slot)?.port, cluster.nodes[1].port, "ASK does not change the map")
        XCTAssertGreaterThan(routed.redirectsFollowed.load(ordering: .relaxed), 0)
        try await cluster.finishMigration(slot: slot, to: cluster.nodes[0])
        let later = try await client.send("GET", key)
        XCTAssertEqual(later.string, "moved-early")
        XCTAssertEqual(routed.slotMap.primary(forSlot: slot)?.port, cluster.nodes[0].port)
    }

    /// A blocking connection connects to the node owning its key, wakes when a push lands
    /// there, and follows the key when its slot moves.
    func testBlockingConnectionsGoToTheKeysNodeAndFollowItsSlot() async throws {
        let keys = keysOnEachNode(prefix: "line")
        let blocking = client.makeBlockingConnection(label: "test.blocking")
        defer { blocking.close() }
        for (n, key) in keys.enumerated() {
            async let popped = blocking.send(["BZPOPMIN", key, "5"])
            try await Task.sleep(for: .milliseconds(100))
            try await client.send("ZADD", key, "1", "member-\(n)")
            let reply = try await popped
            XCTAssertEqual(reply.array?[1].string, "member-\(n)")
        }
        let slot = RedisSlot.of(keys[2])
        try await cluster.migrate(slot: slot, to: cluster.nodes[1])
        try await RedisClusterServer.command(cluster.nodes[1].url, ["ZADD", keys[2], "1", "after-move"])
        let reply = try await blocking.send(["BZPOPMIN", keys[2], "1"])
        XCTAssertEqual(reply.array?[1].string, "after-move")
        // The follow-up of a chained call goes to its own key's node.
        let chained = try await blocking.pipeline([["ZADD", keys[0], "1", "m"], ["ZCARD", keys[0]]]) { _ in [["GET", keys[1]], ["SET", keys[2], "x"]] }
        XCTAssertEqual(chained.first[1].integer, 1)
        XCTAssertEqual(try chained.then?.get().last?.string, "OK")
    }
}
