import Catalog
import Foundation
import PostgresNIO
import Synchronization

/// Ranked catalog search: the in-memory `CatalogSearchIndex`, as in SQLite, cached per
/// owner by `catalog_versions.version`. Triggers bump the version in the transaction that
/// changes the owner's entries, whichever host ran it, and notify every host of changes to
/// the owner's entries or sources. A search asks the database for the version (one round
/// trip, together with the owner's enabled sources) unless the change feed vouches for the
/// last answer, and rebuilds the index when another process changed the catalog.
extension PostgresStore {
    /// Ranked search over the owner's enabled catalog (see `CatalogSearchIndex`); filters
    /// apply before limiting. User text is only ever split into words.
    package func searchCatalog(owner: String, query: CatalogQuery) async throws -> [CatalogHit] {
        // While the change feed vouches for the last read (no notification about this
        // owner's entries or sources since), neither it nor the index is read again.
        if let cached = catalogScopes.lookup(owner: owner), changes.withState({ $0.isCurrent(cached.stamp, owner: owner) }) {
            var scope = CatalogSearchScope(query: query)
            for source in cached.sources { scope.admit(id: source.id, slug: source.slug, type: source.type) }
            if scope.isEmpty { return [] }
            if let index = catalogIndexes.lookup(owner: owner, version: cached.version) { return scope.hits(in: index) }
        }
        var scope = CatalogSearchScope(query: query)
        let stamp = changes.withState { $0.catalogStamp(owner: owner) }
        hotPathReads.add(1, ordering: .relaxed)
        // The version and the enabled sources in one statement (one snapshot). Enabling or
        // disabling a source does not change the entries, so it is read here every time
        // the feed cannot vouch for the last read.
        let rows = try await rows("""
            SELECT (SELECT version FROM catalog_versions WHERE owner = \(owner)), id, slug, type
            FROM sources WHERE owner = \(owner) AND enabled
            """)
        var version: Int64 = 0
        var sources: [(id: String, slug: String, type: String)] = []
        for row in rows {
            var r = PostgresRowReader(row)
            version = try r.next(Int64?.self) ?? 0
            let (id, slug, type): (String, String, String) = (try r.next(), try r.next(), try r.next())
            sources.append((id, slug, type))
            scope.admit(id: id, slug: slug, type: type)
        }
        if let stamp {
            catalogScopes.store(owner: owner, scope: .init(version: version, sources: sources, stamp: stamp))
        }
        // No enabled source (of the wanted one): nothing to rank, and no index to build.
        guard !scope.isEmpty else { return [] }
        let index: CatalogSearchIndex
        if let cached = catalogIndexes.lookup(owner: owner, version: version) {
            index = cached
        } else {
            index = try await catalogIndex(owner: owner)
        }
        return scope.hits(in: index)
    }

    /// Builds the owner's index from the rows and caches it under the version read in the
    /// same REPEATABLE READ snapshot, so an index never carries a newer or older version
    /// than its documents. The index is built after the connection is back in the pool.
    func catalogIndex(owner: String, tuning: SearchTuning = .default) async throws -> CatalogSearchIndex {
        let (version, documents) = try await withTransaction(isolation: "REPEATABLE READ READ ONLY") { connection in
            let version = try await connection.rows("SELECT version FROM catalog_versions WHERE owner = \(owner)", logger: logger)
                .first?.decode(Int64.self) ?? 0
            var documents: [CatalogSearchIndex.Document] = []
            for row in try await connection.rows("""
                SELECT callName, sourceId, kind, title, description, method, path, signature, searchName, tags, searchParams, deprecated
                FROM catalog_entries WHERE owner = \(owner) ORDER BY id
                """, logger: logger) {
                var r = PostgresRowReader(row)
                let callName: String = try r.next(), sourceID: String = try r.next(), kind: String = try r.next()
                let title: String = try r.next(), description: String = try r.next()
                let method: String? = try r.next(), path: String? = try r.next(), signature: String = try r.next()
                let searchName: String = try r.next(), tags: String = try r.next(), searchParams: String = try r.next()
                documents.append(CatalogSearchIndex.Document(
                    callName: callName, sourceID: sourceID, kind: kind, title: title, description: description, method: method, path: path,
                    signature: signature, columns: [searchName, title, description, tags, searchParams], deprecated: try r.next()))
            }
            return (version, documents)
        }
        let index = CatalogSearchIndex(documents: documents, tuning: tuning)
        catalogIndexes.store(owner: owner, version: version, index: index)
        return index
    }
}
