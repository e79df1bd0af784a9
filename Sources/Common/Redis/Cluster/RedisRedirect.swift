/// What a Redis Cluster node's error reply asks of the client, when it is not a plain error.
package enum RedisRedirect: Sendable, Equatable {
    /// `MOVED <slot> <host:port>`: the slot lives on another node now; update the map and
    /// send the command there.
    case moved(slot: Int, to: RedisNodeAddress)
    /// `ASK <slot> <host:port>`: this key is being migrated; send `ASKING` and then the
    /// command to that node, once, without changing the map.
    case ask(slot: Int, to: RedisNodeAddress)
    /// `TRYAGAIN` (a multi-key command during a migration) or `CLUSTERDOWN` (a failover in
    /// progress): the same command may succeed a moment later.
    case retryLater

    /// Reads an error message; nil when it is not one of these.
    package init?(_ message: String, defaultHost: String) {
        let parts = message.split(separator: " ", maxSplits: 3)
        switch parts.first {
        case "MOVED", "ASK":
            guard parts.count >= 3, let slot = Int(parts[1]), let to = RedisNodeAddress(parts[2], defaultHost: defaultHost) else { return nil }
            self = parts[0] == "MOVED" ? .moved(slot: slot, to: to) : .ask(slot: slot, to: to)
        case "TRYAGAIN", "CLUSTERDOWN":
            self = .retryLater
        default:
            return nil
        }
    }
}
