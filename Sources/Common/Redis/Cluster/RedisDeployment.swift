import Synchronization

/// Whether a `RedisClient` talks to one Redis or to a Redis Cluster. Nothing is
/// configured for it: on first use the client asks the server it was given
/// (`INFO cluster`); `cluster_enabled:1` switches it to cluster mode, reading the slot map
/// (`CLUSTER SLOTS`) from that node.
final class RedisDeployment: Sendable {
    private enum Mode {
        case single
        case cluster(RedisCluster)
    }

    private let mode = Mutex<Mode?>(nil)

    /// The cluster client, or nil for a single Redis; finds out on the first call (which
    /// throws when the server cannot be reached, and the next call asks again).
    func cluster(url: RedisURL, probe: RedisConnection, poolSize: Int) async throws -> RedisCluster? {
        if let known = mode.withLock({ $0 }) {
            if case .cluster(let cluster) = known { return cluster }
            return nil
        }
        let found: Mode
        if try await Self.isCluster(probe) {
            if url.database != 0 {
                throw RedisError(kind: .server, message: "ERR junction: REDIS_URL names database \(url.database), but a Redis Cluster has only database 0")
            }
            let host = url.scheme == .unix ? "127.0.0.1" : url.host
            let map = try await RedisCluster.loadMap(from: probe, host: host)
            found = .cluster(RedisCluster(seed: url, poolSize: poolSize, map: map))
        } else {
            found = .single
        }
        // Concurrent first calls may each have asked; the first answer stays.
        let kept = mode.withLock { m -> Mode in
            if let earlier = m { return earlier }
            m = found
            return found
        }
        if case .cluster(let mine) = found, case .cluster(let other) = kept, mine !== other { mine.close() }
        if case .cluster(let cluster) = kept { return cluster }
        return nil
    }

    /// Closes the cluster's connections, if this is one.
    func close() {
        if case .cluster(let cluster)? = mode.withLock({ $0 }) { cluster.close() }
    }

    /// Whether the server says it is a cluster node. A server that refuses `INFO` (an ACL
    /// that does not allow it) is taken for a single Redis.
    private static func isCluster(_ probe: RedisConnection) async throws -> Bool {
        do {
            let info = try await probe.send(["INFO", "cluster"]).string ?? ""
            return info.contains("cluster_enabled:1")
        } catch let error as RedisError where error.kind == .server {
            return false
        }
    }
}
