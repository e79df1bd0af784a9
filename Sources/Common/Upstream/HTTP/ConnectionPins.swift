import AsyncHTTPClient
import Foundation
import NIOCore
import Synchronization

/// HTTP clients that each connect one host name to one checked address.
///
/// `OutboundPolicy.check` resolves a name and checks every address it gets; the connection
/// must then go to one of those, not to what a second resolution answers (DNS rebinding).
/// AsyncHTTPClient 1.37 resolves names itself and takes no per-request resolver, but a
/// client's `dnsOverride` maps a host to an address while TLS (SNI and certificate
/// verification) and the `Host` header keep the name. So each (host, address) gets a client
/// of its own, made once and shared by every request of the process: connections stay
/// pooled per upstream as before, and a request reuses a client only when that client's
/// address is among the addresses its own check returned. IP-literal hosts need no pin.
///
/// A client is leased while a request uses it (until its response body is read or
/// dropped); beyond `maxClients`, the least recently used unleased clients are shut down.
package final class ConnectionPins: Sendable {
    private struct Key: Hashable {
        var host: String
        var address: IPAddress
    }

    private struct Entry {
        var client: HTTPClient
        var leases: Int
        var lastUsed: ContinuousClock.Instant
    }

    /// The pins of every `UpstreamHTTP` that is not given its own.
    package static let shared = ConnectionPins()

    private let configuration: HTTPClient.Configuration
    private let entries = Mutex<[Key: Entry]>([:])
    /// How many clients are kept; more exist only while all of them are in use.
    package let maxClients: Int

    /// `configuration` is used for every client (its `dnsOverride` replaced by the pin).
    package init(configuration: HTTPClient.Configuration = UpstreamHTTP.clientConfiguration(), maxClients: Int = 256) {
        self.configuration = configuration
        self.maxClients = maxClients
    }

    /// A client that connects `host` to one of `addresses` (all checked by the policy just
    /// now): the one already pinned to any of them, else a new one pinned to the first.
    package func lease(host: String, addresses: [IPAddress]) -> Lease {
        precondition(!addresses.isEmpty, "a pin needs a checked address")
        let now = ContinuousClock.now
        var retired: [HTTPClient] = []
        let (key, client) = entries.withLock { entries -> (Key, HTTPClient) in
            for address in addresses {
                let key = Key(host: host, address: address)
                if var entry = entries[key] {
                    entry.leases += 1
                    entry.lastUsed = now
                    entries[key] = entry
                    return (key, entry.client)
                }
            }
            let key = Key(host: host, address: addresses[0])
            var config = configuration
            config.dnsOverride = [host: addresses[0].text]
            let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: config)
            entries[key] = Entry(client: client, leases: 1, lastUsed: now)
            if entries.count > maxClients {
                let idle = entries.filter { $0.value.leases == 0 }.sorted { $0.value.lastUsed < $1.value.lastUsed }
                for (old, entry) in idle.prefix(entries.count - maxClients) {
                    entries.removeValue(forKey: old)
                    retired.append(entry.client)
                }
            }
            return (key, client)
        }
        for old in retired { Task { try? await old.shutdown() } }
        return Lease(client: client) { [weak self] in self?.release(key) }
    }

    private func release(_ key: Key) {
        entries.withLock { entries in
            if var entry = entries[key] {
                entry.leases -= 1
                entries[key] = entry
            }
        }
    }

    /// Number of clients kept.
    package var count: Int { entries.withLock { $0.count } }

    /// The address each kept client of `host` connects to.
    package func pinnedAddresses(host: String) -> Set<IPAddress> {
        entries.withLock { Set($0.keys.filter { $0.host == host }.map(\.address)) }
    }

    /// Shuts every client down (tests, process shutdown).
    package func shutdown() async {
        let all = entries.withLock { entries in
            defer { entries.removeAll() }
            return entries.values.map(\.client)
        }
        for client in all { try? await client.shutdown() }
    }

    /// A client in use; released when the last reference to the lease goes away.
    package final class Lease: Sendable {
        package let client: HTTPClient
        private let release: @Sendable () -> Void

        init(client: HTTPClient, release: @escaping @Sendable () -> Void) {
            self.client = client
            self.release = release
        }

        deinit { release() }
    }
}

/// A response body that holds its client's lease until it has been read (or dropped).
package struct UpstreamBody: AsyncSequence, Sendable {
    package typealias Element = ByteBuffer

    private let body: HTTPClientResponse.Body
    private let lease: ConnectionPins.Lease?

    init(_ body: HTTPClientResponse.Body, lease: ConnectionPins.Lease?) {
        self.body = body
        self.lease = lease
    }

    package struct AsyncIterator: AsyncIteratorProtocol {
        var inner: HTTPClientResponse.Body.AsyncIterator
        var lease: ConnectionPins.Lease?

        package mutating func next() async throws -> ByteBuffer? {
            let chunk = try await inner.next()
            if chunk == nil { lease = nil }
            return chunk
        }
    }

    package func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(inner: body.makeAsyncIterator(), lease: lease)
    }
}
