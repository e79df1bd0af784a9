import Catalog

/// The sources a catalog search may return hits from (the owner's enabled sources that
/// pass the query's `source` and `type` filters), and the search itself, as every store
/// runs it on its in-memory `CatalogSearchIndex`.
package struct CatalogSearchScope: Sendable {
    package let query: CatalogQuery
    /// Source id → slug of the admitted sources.
    package private(set) var slugs: [String: String] = [:]

    package init(query: CatalogQuery) {
        self.query = query
    }

    /// Whether no source was admitted (no hit is possible).
    package var isEmpty: Bool { slugs.isEmpty }

    /// Admits an enabled source unless the query's filters leave it out.
    package mutating func admit(id: String, slug: String, type: String) {
        if let wanted = query.source, wanted != slug { return }
        if let wanted = query.type, wanted != type { return }
        slugs[id] = slug
    }

    /// The query's ranked hits in `index` from admitted sources (and the wanted kind);
    /// filters apply before limiting.
    package func hits(in index: CatalogSearchIndex) -> [CatalogHit] {
        let hits = index.search(query.text, matchAll: query.matchAll, limit: query.limit) { document in
            slugs[document.sourceID] != nil && (query.kind == nil || query.kind == document.kind)
        }
        return hits.map { h in
            let d = h.document
            return CatalogHit(callName: d.callName, source: slugs[d.sourceID] ?? "", kind: d.kind, title: d.title,
                              description: d.description, method: d.method, path: d.path, signature: d.signature, matched: h.matched)
        }
    }
}
