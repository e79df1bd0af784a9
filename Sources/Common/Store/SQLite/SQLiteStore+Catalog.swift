import Catalog
import Foundation
import GRDB
import JunctionCore

extension SQLiteStore {
    /// Replaces a source's catalog in one transaction (readers see the old catalog or the
    /// new one, never half), keeping each operation's call name across refreshes.
    ///
    /// `spec` builds the source's `codemode.spec()` fragment from the final call names
    /// (operation key → call name); it is stored in the same transaction. What depends on
    /// a draft alone (its stored JSON and TypeScript) is rendered before the transaction:
    /// the transaction holds the store's one write lock, which everyone's writes wait for.
    @discardableResult
    package func replaceCatalog(owner: String, sourceID: String, drafts: [CatalogEntryDraft],
                                spec: (@Sendable ([String: String]) -> JSONValue)? = nil, note: String? = nil) throws -> [CatalogEntry] {
        let rendered = drafts.map(RenderedDraft.init)
        return try writer.write { db in
            guard let source = try Source.filter(Column("owner") == owner && Column("id") == sourceID).fetchOne(db) else {
                throw StoreError.sourceGone(sourceID)
            }
            var nameByKey: [String: String] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT operationKey, callName FROM catalog_entries WHERE owner = ? AND sourceId = ?",
                                        arguments: [owner, sourceID]) {
                nameByKey[row[0]] = row[1]
            }
            let taken = Set(try String.fetchAll(db, sql: "SELECT callName FROM catalog_entries WHERE owner = ? AND sourceId <> ?",
                                               arguments: [owner, sourceID]))
            // Sources named before names stopped repeating their slug keep doing so, so the
            // new operations of an old source are named like its others.
            let repeatsSlug = try Bool.fetchOne(db, sql: "SELECT EXISTS(SELECT 1 FROM call_names_with_slug_repeated WHERE sourceId = ?)",
                                                arguments: [sourceID]) ?? false
            try db.execute(sql: "DELETE FROM catalog_fts WHERE rowid IN (SELECT id FROM catalog_entries WHERE owner = ? AND sourceId = ?)",
                           arguments: [owner, sourceID])
            try db.execute(sql: "DELETE FROM catalog_entries WHERE owner = ? AND sourceId = ?", arguments: [owner, sourceID])

            let assigned = CallNameAssignment.assign(drafts: drafts, previous: nameByKey, taken: taken, slug: source.slug,
                                                     repeatingSlug: repeatsSlug)
            var inserted: [CatalogEntry] = []
            for item in IndexedCatalogEntry.entries(owner: owner, sourceID: sourceID, drafts: drafts, rendered: rendered, names: assigned) {
                var entry = item.entry
                try entry.insert(db)
                try db.execute(sql: "INSERT INTO catalog_fts(rowid, callName, title, description, tags, params) VALUES (?, ?, ?, ?, ?, ?)",
                               arguments: [entry.id, item.searchName, entry.title, entry.description, entry.tags, item.searchParams])
                inserted.append(entry)
            }
            try db.execute(sql: "DELETE FROM source_specs WHERE owner = ? AND sourceId = ?", arguments: [owner, sourceID])
            if let spec {
                let document = spec(assigned).jsonString()
                try db.execute(sql: "INSERT INTO source_specs(sourceId, owner, document) VALUES (?, ?, ?)",
                               arguments: [sourceID, owner, document])
            }
            try db.execute(sql: """
                UPDATE sources SET status = '\(SourceStatus.ready.rawValue)', entryCount = ?, lastRefreshAt = ?, lastError = ?, updatedAt = ?
                WHERE owner = ? AND id = ?
                """, arguments: [inserted.count, Date(), note, Date(), owner, sourceID])
            return inserted
        }
    }

    /// Sources that existed when call names stopped repeating the source's slug
    /// (`git_git_log`): they keep naming new operations that way, so their names stay
    /// consistent; sources created since get `git_log`.
    static func migrateCallNamesWithSlugRepeated(_ db: Database) throws {
        try db.create(table: "call_names_with_slug_repeated") { t in
            t.column("sourceId", .text).primaryKey().references("sources", onDelete: .cascade)
        }
        try db.execute(sql: "INSERT INTO call_names_with_slug_repeated(sourceId) SELECT id FROM sources")
    }

    /// The combined OpenAPI document of the owner's enabled OpenAPI sources.
    package func combinedSpec(owner: String) throws -> JSONValue {
        let documents = try writer.read { db in
            try String.fetchAll(db, sql: """
                SELECT p.document FROM source_specs p JOIN sources s ON s.id = p.sourceId
                WHERE p.owner = ? AND s.owner = ? AND s.enabled = 1 AND s.type = 'openapi' ORDER BY s.slug
                """, arguments: [owner, owner])
        }
        return SpecCombiner.combine(documents.compactMap { try? JSONValue.parse($0) })
    }

    /// Call names of every entry of the owner's enabled sources.
    package func enabledCallNames(owner: String) throws -> [String] {
        try writer.read { db in
            try String.fetchAll(db, sql: """
                SELECT e.callName FROM catalog_entries e JOIN sources s ON s.id = e.sourceId
                WHERE e.owner = ? AND s.owner = ? AND s.enabled = 1 ORDER BY e.callName
                """, arguments: [owner, owner])
        }
    }

    /// Call names of enabled sources that start with `prefix` (index range scan), for
    /// "did you mean" on large catalogs.
    package func enabledCallNames(owner: String, prefix: String) throws -> [String] {
        guard !prefix.isEmpty else { return try enabledCallNames(owner: owner) }
        let upper = prefix + "\u{10FFFF}"
        return try writer.read { db in
            try String.fetchAll(db, sql: """
                SELECT e.callName FROM catalog_entries e JOIN sources s ON s.id = e.sourceId
                WHERE e.owner = ? AND s.owner = ? AND s.enabled = 1 AND e.callName >= ? AND e.callName < ?
                """, arguments: [owner, owner, prefix, upper])
        }
    }

    /// One entry of an enabled source, with its source.
    package func callable(owner: String, callName: String) throws -> (CatalogEntry, Source)? {
        try writer.read { db in
            guard let entry = try CatalogEntry.filter(Column("owner") == owner && Column("callName") == callName).fetchOne(db),
                  let source = try Source.filter(Column("owner") == owner && Column("id") == entry.sourceId).fetchOne(db),
                  source.enabled else { return nil }
            return (entry, source)
        }
    }

    /// Compatibility shorthand for a plain text query.
    package func searchCatalog(owner: String, query: String, limit: Int) throws -> [CatalogHit] {
        try searchCatalog(owner: owner, query: CatalogQuery(text: query, limit: limit))
    }

    /// Words too common to tell operations apart; dropping them keeps ranking cheap.
    static let stopwords: Set<String> = [
        "a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "in", "into", "is", "it", "of", "on", "or",
        "that", "the", "this", "to", "with", "all", "some", "my", "me", "i",
    ]

    package static func ftsTerms(_ query: String) -> [String] {
        let words = query.lowercased()
            .split(whereSeparator: { !($0.isLetter || $0.isNumber) })
            .map(String.init)
        let useful = words.filter { !stopwords.contains($0) }
        return Array(Set(useful.isEmpty ? words : useful)).sorted()
            .prefix(16)
            .map { "\"\($0)\"*" }
    }
}
