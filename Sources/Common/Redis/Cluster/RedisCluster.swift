import Foundation
import Synchronization

/// A Redis Cluster client: a small pool of connections per primary, every command sent to
/// the primary that owns its key's slot (`RedisSlot`, `RedisCommandKeys`), `MOVED` and
/// `ASK` redirects followed.
///
/// A pipeline is split by node. Its commands keep their order: consecutive commands for
/// one node go out as one pipeline, and a run for another node only after the previous
/// run's replies arrived, so what the code relies on in a pipeline (a job exists before
/// its owner is marked ready; a run's slot is freed before its reply exists) still holds
/// when those keys live on different nodes. Replies come back in the pipeline's order.
/// A command whose keys span slots is refused before anything is sent (`CROSSSLOT`).
package final class RedisCluster: Sendable {
    private struct State {
        var map: RedisSlotMap
        var pools: [RedisNodeAddress: NodePool] = [:]
        var refreshing: Task<Void, Never>?
    }

    /// The URL the client was configured with; node URLs are made from it.
    package let seed: RedisURL
    private let poolSize: Int
    private let state: Mutex<State>
    /// Redirects followed (`MOVED` and `ASK`), for tests and diagnostics.
    package let redirectsFollowed = Atomic<Int>(0)
    /// Slot-map reloads done, for tests and diagnostics.
    package let mapRefreshes = Atomic<Int>(0)
    /// How many redirects one command may follow before it fails.
    static let maxRedirects = 5

    init(seed: RedisURL, poolSize: Int, map: RedisSlotMap) {
        self.seed = seed
        self.poolSize = max(1, poolSize)
        self.state = Mutex(State(map: map))
    }

    /// The current slot map.
    package var slotMap: RedisSlotMap { state.withLock { $0.map } }

    /// The URL of one node: the seed's (its user, password and TLS settings), with the
    /// node's host and port.
    package func url(for node: RedisNodeAddress) -> RedisURL {
        var url = seed
        if url.scheme == .unix { url.scheme = .redis }
        url.host = node.host
        url.port = node.port
        url.path = ""
        url.database = 0
        return url
    }

    /// The primary that serves `slot` (nil: a command without keys, any primary).
    func primary(forSlot slot: Int?) throws -> RedisNodeAddress {
        let map = slotMap
        if let slot {
            guard let node = map.primary(forSlot: slot) else {
                refreshSoon()
                throw RedisError(kind: .server, message: "CLUSTERDOWN Hash slot \(slot) not served")
            }
            return node
        }
        guard let any = map.primaries.first else { throw RedisError(kind: .server, message: "CLUSTERDOWN no primary known") }
        return any
    }

    private func pool(_ node: RedisNodeAddress) -> NodePool {
        state.withLock { s in
            if let pool = s.pools[node] { return pool }
            let pool = NodePool(url: url(for: node), size: poolSize, label: "redis.cluster.\(node)")
            s.pools[node] = pool
            return pool
        }
    }

    // MARK: the slot map

    /// Reads the slot map from the first node that answers (known primaries, then the seed).
    static func loadMap(from connection: RedisConnection, host: String) async throws -> RedisSlotMap {
        try RedisSlotMap(clusterSlots: try await connection.send(["CLUSTER", "SLOTS"]), queriedHost: host)
    }

    /// Reloads the slot map now (concurrent callers share one reload).
    package func refreshMap() async {
        let task = state.withLock { s -> Task<Void, Never> in
            if let running = s.refreshing { return running }
            let task = Task { await self.reload() }
            s.refreshing = task
            return task
        }
        await task.value
    }

    /// Reloads the slot map in the background (after a redirect or a lost node).
    func refreshSoon() {
        Task { await refreshMap() }
    }

    private func reload() async {
        defer { state.withLock { $0.refreshing = nil } }
        let (known, seedNode): ([RedisNodeAddress], RedisNodeAddress?) = state.withLock { s in
            if seed.scheme == .unix { return (s.map.primaries, nil) }
            return (s.map.primaries, RedisNodeAddress(host: seed.host, port: seed.port))
        }
        for node in known + [seedNode].compactMap({ $0 }) {
            guard let map = try? RedisSlotMap(clusterSlots: try await pool(node).connection.send(["CLUSTER", "SLOTS"]), queriedHost: node.host),
                  !map.primaries.isEmpty else { continue }
            mapRefreshes.add(1, ordering: .relaxed)
            state.withLock { $0.map = map }
            return
        }
    }

    /// Records what a `MOVED` reply said, before the full reload.
    func noteMoved(slot: Int, to node: RedisNodeAddress) {
        guard (0..<RedisSlot.count).contains(slot) else { return }
        state.withLock { $0.map.assign(slot...slot, to: node) }
        refreshSoon()
    }

    // MARK: commands

    /// Sends one command to the node owning its key.
    @discardableResult
    package func send(_ command: [String]) async throws -> RESPValue {
        try await pipeline([command])[0]
    }

    /// Sends a pipeline, split by node as the type describes; replies in order. A server
    /// error in any reply is thrown (with every reply, as `RedisConnection` does); a
    /// connection error stops the pipeline where it happened.
    @discardableResult
    package func pipeline(_ commands: [[String]]) async throws -> [RESPValue] {
        if commands.isEmpty { return [] }
        let slots = try commands.map { try RedisSlot.of(command: $0) }
        // A command without keys travels with its neighbours.
        let anchor = slots.first(where: { $0 != nil }) ?? nil
        var previous = anchor
        var targets: [RedisNodeAddress] = []
        for slot in slots {
            let slot = slot ?? previous
            previous = slot
            targets.append(try primary(forSlot: slot))
        }
        var outcomes = [Result<RESPValue, RedisError>?](repeating: nil, count: commands.count)
        var start = 0
        while start < commands.count {
            var end = start + 1
            while end < commands.count, targets[end] == targets[start] { end += 1 }
            let done = try await run(Array(start..<end), of: commands, slots: slots, on: targets[start], asking: false, attempt: 0)
            for (index, outcome) in done { outcomes[index] = outcome }
            start = end
        }
        return try Self.collect(outcomes)
    }

    /// Sends `indices`' commands to `node` as one pipeline (each after `ASKING` when
    /// `asking`), follows what redirects, and returns every command's outcome.
    private func run(_ indices: [Int], of commands: [[String]], slots: [Int?], on node: RedisNodeAddress,
                     asking: Bool, attempt: Int) async throws -> [(Int, Result<RESPValue, RedisError>)] {
        let wire = asking ? indices.flatMap { [["ASKING"], commands[$0]] } : indices.map { commands[$0] }
        var replies: [RESPValue]
        var errors: [Int: String] = [:]
        do {
            replies = try await pool(node).connection.pipeline(wire)
        } catch let error as RedisError where error.kind == .server && error.replies.count == wire.count {
            replies = error.replies
            errors = error.replyErrors
        } catch let error as RedisError where error.kind == .connection {
            // A primary that went away may have been replaced by a failover.
            refreshSoon()
            throw error
        }
        var out: [(Int, Result<RESPValue, RedisError>)] = []
        var moved: [(Int, RedisNodeAddress)] = []
        var asked: [(Int, RedisNodeAddress)] = []
        var later: [Int] = []
        for (n, index) in indices.enumerated() {
            let at = asking ? 2 * n + 1 : n
            guard let message = errors[at] else {
                out.append((index, .success(replies[at])))
                continue
            }
            switch attempt < Self.maxRedirects ? RedisRedirect(message, defaultHost: node.host) : nil {
            case .moved(let slot, let to)?:
                noteMoved(slot: slot, to: to)
                moved.append((index, to))
            case .ask(_, let to)?:
                asked.append((index, to))
            case .retryLater?:
                later.append(index)
            case nil:
                out.append((index, .failure(RedisError(kind: .server, message: message))))
            }
        }
        if !(moved.isEmpty && asked.isEmpty) { redirectsFollowed.add(moved.count + asked.count, ordering: .relaxed) }
        for (group, to) in Self.runs(moved) {
            out += try await run(group, of: commands, slots: slots, on: to, asking: false, attempt: attempt + 1)
        }
        for (group, to) in Self.runs(asked) {
            out += try await run(group, of: commands, slots: slots, on: to, asking: true, attempt: attempt + 1)
        }
        if !later.isEmpty {
            try await Task.sleep(for: .milliseconds(50 * (attempt + 1)))
            let retargeted = try later.map { ($0, try primary(forSlot: slots[$0])) }
            for (group, to) in Self.runs(retargeted) {
                out += try await run(group, of: commands, slots: slots, on: to, asking: false, attempt: attempt + 1)
            }
        }
        return out
    }

    /// Consecutive entries with the same node, grouped, in order.
    private static func runs(_ items: [(Int, RedisNodeAddress)]) -> [([Int], RedisNodeAddress)] {
        var out: [([Int], RedisNodeAddress)] = []
        for (index, node) in items {
            if let last = out.last, last.1 == node { out[out.count - 1].0.append(index) } else { out.append(([index], node)) }
        }
        return out
    }

    /// The replies in order; the first server error (carrying every reply) if any failed.
    private static func collect(_ outcomes: [Result<RESPValue, RedisError>?]) throws -> [RESPValue] {
        var replies: [RESPValue] = []
        var errors: [Int: String] = [:]
        var first: RedisError?
        for (index, outcome) in outcomes.enumerated() {
            switch outcome {
            case .success(let value)?: replies.append(value)
            case .failure(let error)?:
                if first == nil { first = error }
                errors[index] = error.message
                replies.append(.null)
            case nil:
                if first == nil { first = RedisError(kind: .server, message: "ERR junction: no reply") }
                errors[index] = "ERR junction: no reply"
                replies.append(.null)
            }
        }
        guard var first else { return replies }
        first.replies = replies
        first.replyErrors = errors
        throw first
    }

    /// Closes every node's connections (as with `RedisConnection`, a later call connects again).
    package func close() {
        state.withLock { Array($0.pools.values) }.forEach { $0.close() }
    }
}

/// A few pipelining connections to one node, used round-robin.
private final class NodePool: Sendable {
    private let connections: [RedisConnection]
    private let next = Atomic<Int>(0)

    init(url: RedisURL, size: Int, label: String) {
        connections = (0..<size).map { RedisConnection(url: url, label: "\(label).\($0)") }
    }

    var connection: RedisConnection {
        connections[abs(next.wrappingAdd(1, ordering: .relaxed).oldValue) % connections.count]
    }

    func close() { connections.forEach { $0.close() } }
}
