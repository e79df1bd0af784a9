import Synchronization

/// Each owner's enabled sources (id, slug, type) and catalog version as a catalog search
/// last read them, with the change-feed stamp of that read: the one round trip of a search,
/// saved while `ChangeFeedState.isCurrent` holds for the stamp.
final class PostgresCatalogScopes: Sendable {
    /// One owner's enabled sources at one catalog version.
    struct Scope: Sendable {
        var version: Int64
        var sources: [(id: String, slug: String, type: String)]
        var stamp: ChangeFeedState.Stamp
    }

    /// Most owners kept; past it the map starts again (each owner costs one read to refill).
    private let capacity: Int
    private let scopes = Mutex<[String: Scope]>([:])

    init(capacity: Int = 10_000) {
        self.capacity = capacity
    }

    func lookup(owner: String) -> Scope? {
        scopes.withLock { $0[owner] }
    }

    func store(owner: String, scope: Scope) {
        scopes.withLock { scopes in
            if scopes.count >= capacity, scopes[owner] == nil { scopes = [:] }
            scopes[owner] = scope
        }
    }
}
