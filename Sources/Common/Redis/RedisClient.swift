import Synchronization

/// A small pool of Redis connections for ordinary (non-blocking) commands. Calls are
/// spread round-robin; each connection pipelines the calls queued on it.
///
/// On a Redis Cluster (found out on first use: `RedisDeployment`) every call goes through
/// `RedisCluster` instead, which routes each command to the primary owning its key.
package final class RedisClient: Sendable {
    package let url: RedisURL
    private let connections: [RedisConnection]
    private let next = Atomic<Int>(0)
    private let deployment = RedisDeployment()

    package init(url: RedisURL, connections count: Int = 4) {
        self.url = url
        self.connections = (0..<max(1, count)).map { RedisConnection(url: url, label: "redis.pool.\($0)") }
    }

    private var connection: RedisConnection {
        let i = next.wrappingAdd(1, ordering: .relaxed).oldValue
        return connections[abs(i) % connections.count]
    }

    /// Sends one command.
    @discardableResult
    package func send(_ args: String...) async throws -> RESPValue {
        try await pipeline([args])[0]
    }

    /// Sends one command given as an array.
    @discardableResult
    package func send(_ args: [String]) async throws -> RESPValue {
        try await pipeline([args])[0]
    }

    /// Sends commands in one round trip on one connection.
    @discardableResult
    package func pipeline(_ commands: [[String]]) async throws -> [RESPValue] {
        if let cluster = try await cluster() { return try await cluster.pipeline(commands) }
        try RedisSlot.debugCheck(commands)
        return try await connection.pipeline(commands)
    }

    /// The cluster client when the server is a Redis Cluster node; nil for a single Redis.
    ///
    /// `probe` asks the question when it is still open (default: the pool's first
    /// connection); a blocking connection passes itself, so a server that accepts and never
    /// answers holds it for its own short read timeout, not the pool's.
    package func cluster(probe: RedisConnection? = nil) async throws -> RedisCluster? {
        try await deployment.cluster(url: url, probe: probe ?? connections[0], poolSize: connections.count)
    }

    /// A dedicated connection for blocking commands (`BZPOPMIN`, `XREAD BLOCK`), which
    /// must not hold up the pool; on a cluster it follows its key's node. Its commands
    /// block for at most a second or two on the server, so a reply that takes longer than
    /// `blockingReadTimeout` means the server is gone without closing the socket (a host
    /// or network failure): the reader gives up and reconnects instead of waiting on a
    /// dead socket.
    package func makeBlockingConnection(label: String) -> RedisBlockingConnection {
        RedisBlockingConnection(client: self, label: label, readTimeout: Self.blockingReadTimeout)
    }

    /// How long a blocking connection waits for a reply (see `makeBlockingConnection`).
    package static let blockingReadTimeout = Duration.seconds(5)

    package func close() {
        connections.forEach { $0.close() }
        deployment.close()
    }
}
