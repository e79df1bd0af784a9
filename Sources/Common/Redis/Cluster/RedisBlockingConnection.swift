import Synchronization

/// A connection of its own for blocking commands (`BZPOPMIN`, `XREAD BLOCK`), which must
/// not hold up the pool. On a single Redis it is one `RedisConnection`; on a Redis Cluster
/// it connects to the primary owning the key of the command it is given, moves when that
/// changes or a `MOVED` says so, and sends `pipeline(_:then:)`'s follow-up through the
/// client (its keys may live on another node).
package final class RedisBlockingConnection: Sendable {
    private let client: RedisClient
    private let label: String
    private let readTimeout: Duration
    /// The open connection and, on a cluster, the node it goes to.
    private let bound = Mutex<(node: RedisNodeAddress?, connection: RedisConnection)?>(nil)

    init(client: RedisClient, label: String, readTimeout: Duration) {
        self.client = client
        self.label = label
        self.readTimeout = readTimeout
    }

    /// Sends one command and waits for its reply.
    package func send(_ args: [String]) async throws -> RESPValue {
        try await pipeline([args])[0]
    }

    /// Sends commands in one round trip (on a cluster, their keys must live on one node).
    package func pipeline(_ commands: [[String]]) async throws -> [RESPValue] {
        guard let cluster = try await client.cluster(probe: connection(to: nil, cluster: nil)) else {
            try RedisSlot.debugCheck(commands)
            return try await connection(to: nil, cluster: nil).pipeline(commands)
        }
        return try await clusterPipeline(commands, cluster, asking: nil, attempt: 0)
    }

    /// `RedisConnection.pipeline(_:then:)`: on a single Redis, the follow-up goes out from
    /// the connection's own queue; on a cluster, through the client once the first replies
    /// are in. A server error in the follow-up is its outcome, not thrown.
    package func pipeline(_ commands: [[String]], then next: @escaping @Sendable ([RESPValue]) -> [[String]]?) async throws -> RedisConnection.Chained {
        guard let cluster = try await client.cluster(probe: connection(to: nil, cluster: nil)) else {
            try RedisSlot.debugCheck(commands)
            return try await connection(to: nil, cluster: nil).pipeline(commands, then: next)
        }
        let first = try await clusterPipeline(commands, cluster, asking: nil, attempt: 0)
        guard let followUp = next(first), !followUp.isEmpty else { return RedisConnection.Chained(first: first, then: nil) }
        do {
            return RedisConnection.Chained(first: first, then: .success(try await cluster.pipeline(followUp)))
        } catch let error as RedisError where error.kind == .server {
            return RedisConnection.Chained(first: first, then: .failure(error))
        }
    }

    /// Closes the socket (the next call connects again).
    package func close() {
        bound.withLock { $0?.connection }?.close()
    }

    private func connection(to node: RedisNodeAddress?, cluster: RedisCluster?) -> RedisConnection {
        let (connection, replaced) = bound.withLock { b -> (RedisConnection, RedisConnection?) in
            if let b, b.node == node { return (b.connection, nil) }
            let url = node.flatMap { cluster?.url(for: $0) } ?? client.url
            let fresh = RedisConnection(url: url, label: label, readTimeout: readTimeout)
            let old = b?.connection
            b = (node, fresh)
            return (fresh, old)
        }
        replaced?.close()
        return connection
    }

    private func clusterPipeline(_ commands: [[String]], _ cluster: RedisCluster, asking: RedisNodeAddress?, attempt: Int) async throws -> [RESPValue] {
        let slots = try commands.map { try RedisSlot.of(command: $0) }
        let keyed = Set(slots.compactMap { $0 })
        let nodes = try Set(keyed.map { try cluster.primary(forSlot: $0) })
        guard nodes.count <= 1 else {
            throw RedisError(kind: .server, message: "ERR junction: one blocking pipeline's keys live on several cluster nodes")
        }
        let node = try asking ?? nodes.first ?? cluster.primary(forSlot: nil)
        let wire = asking == nil ? commands : [["ASKING"]] + commands
        do {
            let replies = try await connection(to: node, cluster: cluster).pipeline(wire)
            return asking == nil ? replies : Array(replies.dropFirst())
        } catch let error as RedisError where error.kind == .server && attempt < RedisCluster.maxRedirects {
            guard let message = error.replyErrors.sorted(by: { $0.key < $1.key }).first?.value,
                  let redirect = RedisRedirect(message, defaultHost: node.host) else { throw error }
            cluster.redirectsFollowed.add(1, ordering: .relaxed)
            switch redirect {
            case .moved(let slot, let to):
                cluster.noteMoved(slot: slot, to: to)
                return try await clusterPipeline(commands, cluster, asking: nil, attempt: attempt + 1)
            case .ask(_, let to):
                return try await clusterPipeline(commands, cluster, asking: to, attempt: attempt + 1)
            case .retryLater:
                try await Task.sleep(for: .milliseconds(50 * (attempt + 1)))
                return try await clusterPipeline(commands, cluster, asking: nil, attempt: attempt + 1)
            }
        } catch let error as RedisError where error.kind == .connection {
            cluster.refreshSoon()
            throw error
        }
    }
}
