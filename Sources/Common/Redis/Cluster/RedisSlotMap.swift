/// Where a Redis Cluster node listens.
package struct RedisNodeAddress: Hashable, Sendable, CustomStringConvertible {
    package var host: String
    package var port: Int

    package init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// `host:port` as Redis writes it in `MOVED`/`ASK` (the port after the last colon, so
    /// an IPv6 address keeps its own); an empty host is `defaultHost` (a node that does
    /// not know its own address answers `:port`).
    package init?(_ text: Substring, defaultHost: String) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]) else { return nil }
        let host = String(text[..<colon])
        self.init(host: host.isEmpty ? defaultHost : host, port: port)
    }

    package var description: String { "\(host):\(port)" }
}

/// Which primary serves each of the 16384 slots, as `CLUSTER SLOTS` reports it.
package struct RedisSlotMap: Sendable {
    /// The primaries, in the order `CLUSTER SLOTS` first names them.
    package private(set) var primaries: [RedisNodeAddress] = []
    /// Per slot, the index of its primary in `primaries`; -1 when no node serves it.
    private var owners = [Int16](repeating: -1, count: RedisSlot.count)

    package init() {}

    /// Reads a `CLUSTER SLOTS` reply: `[[start, end, [host, port, id, …], replicas…], …]`.
    /// A node whose address is empty or `?` is reached at `queriedHost`, the host that answered.
    package init(clusterSlots reply: RESPValue, queriedHost: String) throws {
        guard let ranges = reply.array else { throw RedisError(kind: .server, message: "ERR junction: CLUSTER SLOTS answered \(reply)") }
        for range in ranges {
            guard let parts = range.array, parts.count >= 3, let start = parts[0].integer, let end = parts[1].integer,
                  let primary = parts[2].array, primary.count >= 2, let port = primary[1].integer,
                  0 <= start, start <= end, end < RedisSlot.count else {
                throw RedisError(kind: .server, message: "ERR junction: unreadable CLUSTER SLOTS entry \(range)")
            }
            let host = primary[0].string ?? ""
            assign(start...end, to: RedisNodeAddress(host: host.isEmpty || host == "?" ? queriedHost : host, port: port))
        }
    }

    /// The primary serving `slot`, if any.
    package func primary(forSlot slot: Int) -> RedisNodeAddress? {
        let index = owners[slot]
        return index < 0 ? nil : primaries[Int(index)]
    }

    /// Whether every slot has a primary.
    package var coversEverySlot: Bool { !owners.contains(-1) }

    /// Records that `node` serves `slots` (what a `MOVED` reply says of one slot).
    package mutating func assign(_ slots: ClosedRange<Int>, to node: RedisNodeAddress) {
        let index: Int
        if let known = primaries.firstIndex(of: node) { index = known } else {
            primaries.append(node)
            index = primaries.count - 1
        }
        for slot in slots { owners[slot] = Int16(index) }
    }
}
