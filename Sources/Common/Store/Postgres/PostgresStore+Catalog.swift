import Catalog
import Foundation
import JunctionCore
import Logging
import PostgresNIO

/// Each owner's catalog, as `SQLiteStore+Catalog.swift` keeps it: call names kept across
/// refreshes, one transaction per replacement, the combined spec, lookups of enabled
/// entries. Ranked search is in `PostgresStore+CatalogSearch.swift`.
extension PostgresStore {
    /// Rows per multi-row INSERT of catalog entries: 18 parameters each, well under the
    /// protocol's 65,535 per statement.
    static let catalogInsertBatch = 1000

    /// Replaces a source's catalog in one transaction (readers see the old catalog or the
    /// new one, never half), keeping each operation's call name across refreshes, and moves
    /// the source to `ready` with `note` as its `lastError`.
    ///
    /// Call names are unique per owner, and naming reads the names of the owner's other
    /// sources: replacements of one owner's catalogs take turns on a transaction-scoped
    /// advisory lock (SQLite's single writer gives the same), so two refreshers on two
    /// hosts never pick one name twice. Drafts are rendered before the transaction.
    @discardableResult
    package func replaceCatalog(owner: String, sourceID: String, drafts: [CatalogEntryDraft],
                                spec: (@Sendable ([String: String]) -> JSONValue)?, note: String?) async throws -> [CatalogEntry] {
        let rendered = drafts.map(RenderedDraft.init)
        return try await withTransaction { connection in
            try await connection.rows("SELECT pg_advisory_xact_lock(\(Self.catalogLockSpace), hashtext(\(owner)))", logger: logger)
            guard let row = try await connection.rows("""
                SELECT slug FROM sources WHERE owner = \(owner) AND id = \(sourceID) FOR UPDATE
                """, logger: logger).first else { throw StoreError.sourceGone(sourceID) }
            let slug = try row.decode(String.self)
            var nameByKey: [String: String] = [:]
            for row in try await connection.rows("""
                SELECT operationKey, callName FROM catalog_entries WHERE owner = \(owner) AND sourceId = \(sourceID)
                """, logger: logger) {
                var r = PostgresRowReader(row)
                nameByKey[try r.next()] = try r.next()
            }
            let taken = Set(try await connection.rows("""
                SELECT callName FROM catalog_entries WHERE owner = \(owner) AND sourceId <> \(sourceID)
                """, logger: logger).map { try $0.decode(String.self) })
            // Sources named before names stopped repeating their slug keep doing so, so the
            // new operations of an old source are named like its others.
            let repeatsSlug = try await !connection.rows("""
                SELECT 1 FROM call_names_with_slug_repeated WHERE sourceId = \(sourceID)
                """, logger: logger).isEmpty
            try await connection.rows("DELETE FROM catalog_entries WHERE owner = \(owner) AND sourceId = \(sourceID)", logger: logger)

            let assigned = CallNameAssignment.assign(drafts: drafts, previous: nameByKey, taken: taken, slug: slug, repeatingSlug: repeatsSlug)
            let entries = IndexedCatalogEntry.entries(owner: owner, sourceID: sourceID, drafts: drafts, rendered: rendered, names: assigned)
            var ids: [String: Int64] = [:]
            var start = 0
            while start < entries.count {
                let batch = entries[start..<min(start + Self.catalogInsertBatch, entries.count)]
                for row in try await connection.rows(try Self.insertEntriesQuery(batch), logger: logger) {
                    var r = PostgresRowReader(row)
                    let id: Int64 = try r.next()
                    ids[try r.next()] = id
                }
                start += batch.count
            }
            let inserted = entries.map { item in
                var entry = item.entry
                entry.id = ids[entry.callName]
                return entry
            }

            try await connection.rows("DELETE FROM source_specs WHERE owner = \(owner) AND sourceId = \(sourceID)", logger: logger)
            if let spec {
                try await connection.rows("""
                    INSERT INTO source_specs (sourceId, owner, document) VALUES (\(sourceID), \(owner), \(spec(assigned).jsonString()))
                    """, logger: logger)
            }
            let now = Date()
            try await connection.rows("""
                UPDATE sources SET status = \(SourceStatus.ready.rawValue), entryCount = \(inserted.count), lastRefreshAt = \(now),
                    lastError = \(note), updatedAt = \(now)
                WHERE owner = \(owner) AND id = \(sourceID)
                """, logger: logger)
            return inserted
        }
    }

    /// The first key of the advisory locks `replaceCatalog` takes per owner (the second is
    /// the hash of the owner's id). Two-key advisory locks never collide with the one-key
    /// locks of the migrations and of user creation.
    static let catalogLockSpace: Int32 = 0x4341_5441  // "CATA"

    /// `INSERT INTO catalog_entries (…, searchName, searchParams) VALUES (…), (…) RETURNING id, callName`.
    private static func insertEntriesQuery(_ batch: ArraySlice<IndexedCatalogEntry>) throws -> PostgresQuery {
        let columns = CatalogEntry.columnNames + ["searchName", "searchParams"]
        var bindings = PostgresBindings(capacity: batch.count * columns.count)
        var tuples: [String] = []
        tuples.reserveCapacity(batch.count)
        for (i, item) in batch.enumerated() {
            try item.entry.appendBindings(to: &bindings)
            bindings.append(item.searchName)
            bindings.append(item.searchParams)
            let first = i * columns.count
            tuples.append("(" + (1...columns.count).map { "$\(first + $0)" }.joined(separator: ", ") + ")")
        }
        return PostgresQuery(unsafeSQL: """
            INSERT INTO catalog_entries (\(columns.joined(separator: ", "))) VALUES \(tuples.joined(separator: ", ")) RETURNING id, callName
            """, binds: bindings)
    }

    /// The combined OpenAPI document of the owner's enabled OpenAPI sources.
    package func combinedSpec(owner: String) async throws -> JSONValue {
        let documents = try await rows("""
            SELECT p.document FROM source_specs p JOIN sources s ON s.id = p.sourceId
            WHERE p.owner = \(owner) AND s.owner = \(owner) AND s.enabled AND s.type = \(SourceType.openapi.rawValue) ORDER BY s.slug
            """).map { try $0.decode(String.self) }
        return SpecCombiner.combine(documents.compactMap { try? JSONValue.parse($0) })
    }

    /// Call names of every entry of the owner's enabled sources.
    package func enabledCallNames(owner: String) async throws -> [String] {
        try await rows("""
            SELECT e.callName FROM catalog_entries e JOIN sources s ON s.id = e.sourceId
            WHERE e.owner = \(owner) AND s.owner = \(owner) AND s.enabled ORDER BY e.callName
            """).map { try $0.decode(String.self) }
    }

    /// Call names of enabled sources that start with `prefix`: a range scan of the
    /// `(owner, callName)` index, whose `COLLATE "C"` makes the range byte order.
    package func enabledCallNames(owner: String, prefix: String) async throws -> [String] {
        guard !prefix.isEmpty else { return try await enabledCallNames(owner: owner) }
        let upper = prefix + "\u{10FFFF}"
        return try await rows("""
            SELECT e.callName FROM catalog_entries e JOIN sources s ON s.id = e.sourceId
            WHERE e.owner = \(owner) AND s.owner = \(owner) AND s.enabled AND e.callName >= \(prefix) AND e.callName < \(upper)
            ORDER BY e.callName
            """).map { try $0.decode(String.self) }
    }

    /// One entry of an enabled source, with its source, in one query.
    package func callable(owner: String, callName: String) async throws -> (CatalogEntry, Source)? {
        guard let row = try await rows("""
            SELECT \(unescaped: CatalogEntry.selectColumnsWithID("e")), \(unescaped: Source.selectColumns("s"))
            FROM catalog_entries e JOIN sources s ON s.id = e.sourceId
            WHERE e.owner = \(owner) AND e.callName = \(callName) AND s.owner = \(owner) AND s.enabled
            """).first else { return nil }
        var r = PostgresRowReader(row)
        let entry = try CatalogEntry(readingWithID: &r)
        return (entry, try Source(reading: &r))
    }
}
