import Synchronization

/// A small pool of Redis connections for ordinary (non-blocking) commands. Calls are
/// spread round-robin; each connection pipelines the calls queued on it.
package final class RedisClient: Sendable {
    package let url: RedisURL
    private let connections: [RedisConnection]
    private let next = Atomic<Int>(0)

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
        try await connection.send(args)
    }

    /// Sends one command given as an array.
    @discardableResult
    package func send(_ args: [String]) async throws -> RESPValue {
        try await connection.send(args)
    }

    /// Sends commands in one round trip on one connection.
    @discardableResult
    package func pipeline(_ commands: [[String]]) async throws -> [RESPValue] {
        try await connection.pipeline(commands)
    }

    /// A dedicated connection for blocking commands (`BZPOPMIN`, `XREAD BLOCK`), which
    /// must not hold up the pool. Its commands block for at most a second or two on the
    /// server, so a reply that takes longer than `blockingReadTimeout` means the server is
    /// gone without closing the socket (a host or network failure): the reader gives up
    /// and reconnects instead of waiting on a dead socket.
    package func makeBlockingConnection(label: String) -> RedisConnection {
        RedisConnection(url: url, label: label, readTimeout: Self.blockingReadTimeout)
    }

    /// How long a blocking connection waits for a reply (see `makeBlockingConnection`).
    package static let blockingReadTimeout = Duration.seconds(5)

    package func close() { connections.forEach { $0.close() } }
}
