import Foundation
import Redis

/// A private three-primary Redis Cluster on free loopback ports for one test: three
/// `redis-server --cluster-enabled yes` (in memory), slots 0–5460, 5461–10922 and
/// 10923–16383 assigned with `CLUSTER ADDSLOTSRANGE`, joined with `CLUSTER MEET`, ready
/// once every node says `cluster_state:ok` and knows the whole slot map.
package final class RedisClusterServer: @unchecked Sendable {
    /// One node: its address, its cluster id and its process.
    package struct Node: Sendable {
        package let port: Int
        /// The cluster bus port (nodes talk to each other there).
        package let busPort: Int
        package let id: String
        package let url: RedisURL
        package let child: ChildProcess
        package var address: RedisNodeAddress { RedisNodeAddress(host: "127.0.0.1", port: port) }
    }

    package private(set) var nodes: [Node] = []
    /// The first node's URL: what Junction is configured with (it finds the others).
    package var url: RedisURL { nodes[0].url }

    package static let ranges = [0...5460, 5461...10922, 10923...16383]

    package init() async throws {
        let path = try TestEnvironment.redisServer()
        let dir = TestEnvironment.temporaryDirectory()
        var started: [(port: Int, bus: Int, child: ChildProcess)] = []
        var ports = Set<Int>()
        for n in 0..<3 {
            var port = TestEnvironment.freePort()
            var bus = TestEnvironment.freePort()
            while ports.contains(port) || ports.contains(bus) || port == bus {
                port = TestEnvironment.freePort()
                bus = TestEnvironment.freePort()
            }
            ports.formUnion([port, bus])
            let nodeDir = dir.appendingPathComponent("node\(n)")
            try FileManager.default.createDirectory(at: nodeDir, withIntermediateDirectories: true)
            let child = try ChildProcess(path, ["--bind", "127.0.0.1", "--port", "\(port)", "--cluster-enabled", "yes",
                                                "--cluster-port", "\(bus)", "--cluster-config-file", nodeDir.appendingPathComponent("nodes.conf").path,
                                                "--cluster-node-timeout", "5000", "--save", "", "--appendonly", "no", "--dir", nodeDir.path],
                                         environment: [:], log: nodeDir.appendingPathComponent("redis.log"))
            started.append((port, bus, child))
        }
        for (port, bus, child) in started {
            let url = RedisURL.tcp(host: "127.0.0.1", port: port, database: 0)
            let id = try await Self.waitForID(url, child: child)
            nodes.append(Node(port: port, busPort: bus, id: id, url: url, child: child))
        }
        for (node, range) in zip(nodes, Self.ranges) {
            try await Self.command(node.url, ["CLUSTER", "ADDSLOTSRANGE", String(range.lowerBound), String(range.upperBound)])
        }
        for node in nodes.dropFirst() {
            try await Self.command(nodes[0].url, ["CLUSTER", "MEET", "127.0.0.1", String(node.port), String(node.busPort)])
        }
        try await waitUntilSettled()
    }

    /// Sends one command to one node directly (no routing): for setting the cluster up and
    /// for looking at what a node holds.
    @discardableResult
    package static func command(_ url: RedisURL, _ args: [String]) async throws -> RESPValue {
        let connection = RedisConnection(url: url, label: "test.cluster.admin")
        defer { connection.close() }
        return try await connection.send(args)
    }

    /// The node serving `slot` according to the ranges assigned at start.
    package func node(forSlot slot: Int) -> Node {
        nodes[Self.ranges.firstIndex { $0.contains(slot) }!]
    }

    /// Waits until every node reports `cluster_state:ok` and every node's `CLUSTER SLOTS`
    /// names the same primary for every range.
    package func waitUntilSettled(timeout: Duration = .seconds(20)) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            var settled = true
            var maps: [[String]] = []
            for node in nodes {
                let info = (try? await Self.command(node.url, ["CLUSTER", "INFO"]))?.string ?? ""
                if !info.contains("cluster_state:ok") || !info.contains("cluster_known_nodes:\(nodes.count)") { settled = false }
                let slots = (try? await Self.command(node.url, ["CLUSTER", "SLOTS"]))?.array ?? []
                maps.append(slots.compactMap { entry -> String? in
                    guard let parts = entry.array, parts.count >= 3 else { return nil }
                    return "\(parts[0].integer ?? -1)-\(parts[1].integer ?? -1)@\(parts[2].array?[1].integer ?? -1)"
                }.sorted())
            }
            if settled, Set(maps).count == 1 { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TestSetupError(message: "the Redis Cluster did not settle: \(nodes.map { $0.child.log }.joined(separator: "\n---\n"))")
    }

    /// Moves `slot` from the node serving it to `target`, with the keys it holds, the way
    /// `redis-cli --cluster reshard` does: IMPORTING/MIGRATING, `MIGRATE`, then `SETSLOT
    /// NODE` on every node. With `finish: false` it stops after the keys moved, leaving the
    /// slot mid-migration (its old owner answers `ASK` for them).
    package func migrate(slot: Int, to target: Node, finish: Bool = true) async throws {
        let source = try await currentNode(forSlot: slot)
        guard source.id != target.id else { return }
        try await Self.command(target.url, ["CLUSTER", "SETSLOT", String(slot), "IMPORTING", source.id])
        try await Self.command(source.url, ["CLUSTER", "SETSLOT", String(slot), "MIGRATING", target.id])
        while true {
            let keys = try await Self.command(source.url, ["CLUSTER", "GETKEYSINSLOT", String(slot), "100"]).array?.compactMap(\.string) ?? []
            if keys.isEmpty { break }
            try await Self.command(source.url, ["MIGRATE", "127.0.0.1", String(target.port), "", "0", "5000", "KEYS"] + keys)
        }
        guard finish else { return }
        for node in [target, source] + nodes.filter({ $0.id != source.id && $0.id != target.id }) {
            try await Self.command(node.url, ["CLUSTER", "SETSLOT", String(slot), "NODE", target.id])
        }
        try await waitUntilSettled()
    }

    /// Ends a migration `migrate(slot:to:finish: false)` started.
    package func finishMigration(slot: Int, to target: Node) async throws {
        for node in [target] + nodes.filter({ $0.id != target.id }) {
            try await Self.command(node.url, ["CLUSTER", "SETSLOT", String(slot), "NODE", target.id])
        }
        try await waitUntilSettled()
    }

    /// The node that serves `slot` now, as the first node's `CLUSTER SLOTS` says.
    package func currentNode(forSlot slot: Int) async throws -> Node {
        let map = try RedisSlotMap(clusterSlots: try await Self.command(nodes[0].url, ["CLUSTER", "SLOTS"]), queriedHost: "127.0.0.1")
        guard let address = map.primary(forSlot: slot), let node = nodes.first(where: { $0.port == address.port }) else {
            throw TestSetupError(message: "no node serves slot \(slot)")
        }
        return node
    }

    package func stop() { nodes.forEach { $0.child.kill(SIGKILL) } }
    deinit { nodes.forEach { $0.child.kill(SIGKILL) } }

    private static func waitForID(_ url: RedisURL, child: ChildProcess) async throws -> String {
        for _ in 0..<100 {
            if let id = (try? await command(url, ["CLUSTER", "MYID"]))?.string, !id.isEmpty { return id }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw TestSetupError(message: "redis-server (cluster node) did not start: \(child.log)")
    }
}
