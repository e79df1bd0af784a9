import Foundation
import Logging
import SourceAccess
import Store
import Upstream

/// Open MCP clients of this worker, one per (user, source), reused across runs so a
/// run's second call (and the next run's first) pays no handshake. A client idle for
/// longer than `idleTimeout` is closed (its session ended, its SSE stream dropped); a
/// client built from an older version of the source (URL or credential changed) is
/// replaced.
package actor MCPSessionPool {
    private struct Entry {
        var client: MCPClient
        var fingerprint: String
        var lastUsed: ContinuousClock.Instant
    }

    private var entries: [String: Entry] = [:]
    private var sweeper: Task<Void, Never>?
    package let idleTimeout: Duration
    package let maxClients: Int
    private let logger: Logger

    package init(idleTimeout: Duration = .seconds(300), maxClients: Int = 1000, logger: Logger) {
        self.idleTimeout = idleTimeout
        self.maxClients = maxClients
        self.logger = logger
    }

    /// The pooled client for `source`, made by `make` when there is none (or it is stale).
    /// `credentialTag` changes when a credential kept outside the source row changes (an
    /// OAuth access token), so a client holding an old one is replaced.
    package func client(for source: Source, credentialTag: String = "", make: () async throws -> MCPClient) async throws -> MCPClient {
        let key = "\(source.owner)\u{1}\(source.id)"
        let fingerprint = MCPSourceConnector.fingerprint(source) + "\u{1}" + credentialTag
        let now = ContinuousClock.now
        if var entry = entries[key], entry.fingerprint == fingerprint {
            entry.lastUsed = now
            entries[key] = entry
            return entry.client
        }
        if let old = entries.removeValue(forKey: key) { Task { await old.client.close() } }
        if entries.count >= maxClients, let oldest = entries.min(by: { $0.value.lastUsed < $1.value.lastUsed }) {
            entries.removeValue(forKey: oldest.key)
            Task { await oldest.value.client.close() }
        }
        let client = try await make()
        // `make` reads the store, so another call for this source may have pooled a client
        // meanwhile (actor reentrancy): use that one, so no client is left unpooled and open.
        if let raced = entries[key], raced.fingerprint == fingerprint {
            Task { await client.close() }
            return raced.client
        }
        entries[key] = Entry(client: client, fingerprint: fingerprint, lastUsed: now)
        startSweeping()
        return client
    }

    /// Drops the client of a source (after a transport failure) so the next call reconnects.
    package func discard(_ source: Source, client: MCPClient) {
        let key = "\(source.owner)\u{1}\(source.id)"
        if let entry = entries[key], entry.client === client { entries.removeValue(forKey: key) }
        Task { await client.close() }
    }

    /// Number of pooled clients.
    package var count: Int { entries.count }

    /// Closes every client idle for longer than `idleTimeout`.
    package func sweep() async {
        let cutoff = ContinuousClock.now - idleTimeout
        let idle = entries.filter { $0.value.lastUsed < cutoff }
        for (key, entry) in idle {
            entries.removeValue(forKey: key)
            await entry.client.close()
        }
        if !idle.isEmpty { logger.debug("closed idle MCP sessions", metadata: ["count": "\(idle.count)"]) }
    }

    /// Closes everything (shutdown).
    package func closeAll() async {
        sweeper?.cancel()
        sweeper = nil
        let all = entries
        entries.removeAll()
        for (_, entry) in all { await entry.client.close() }
    }

    private func startSweeping() {
        guard sweeper == nil else { return }
        let interval = max(.milliseconds(100), idleTimeout / 4)
        sweeper = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                await self?.sweep()
            }
        }
    }
}
