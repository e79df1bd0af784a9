import Redis

extension JobQueue {
    /// Jobs of `kind` queued and not yet taken by any consumer, across all users: for
    /// each user in the ready line (those with undelivered jobs), its stream's length less
    /// its delivered-but-unacknowledged entries. At most `maxOwners` users are counted, so
    /// a scrape stays a bounded number of round trips.
    package func depth(_ kind: JobKind, maxOwners: Int = 1000) async throws -> Int {
        let owners = try await redis.send("ZRANGE", readyKey(kind), "0", String(max(1, maxOwners) - 1)).array?.compactMap(\.string) ?? []
        if owners.isEmpty { return 0 }
        let streams = owners.map { streamKey(kind, owner: $0) }
        let lengths = try await redis.pipeline(streams.map { ["XLEN", $0] }).map { $0.integer ?? 0 }
        var total = 0
        for (stream, length) in zip(streams, lengths) where length > 0 {
            // No group yet (nothing was ever delivered from this stream): nothing is pending.
            let pending = (try? await redis.send("XPENDING", stream, group(kind)))?.array?.first?.integer ?? 0
            total += max(0, length - pending)
        }
        return total
    }
}
