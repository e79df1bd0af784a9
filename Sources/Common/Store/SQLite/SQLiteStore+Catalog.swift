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
            var taken = Set(try String.fetchAll(db, sql: "SELECT callName FROM catalog_entries WHERE owner = ? AND sourceId <> ?",
                                               arguments: [owner, sourceID]))
            // Sources named before names stopped repeating their slug keep doing so, so the
            // new operations of an old source are named like its others.
            let repeatsSlug = try Bool.fetchOne(db, sql: "SELECT EXISTS(SELECT 1 FROM call_names_with_slug_repeated WHERE sourceId = ?)",
                                                arguments: [sourceID]) ?? false
            try db.execute(sql: "DELETE FROM catalog_fts WHERE rowid IN (SELECT id FROM catalog_entries WHERE owner = ? AND sourceId = ?)",
                           arguments: [owner, sourceID])
            try db.execute(sql: "DELETE FROM catalog_entries WHERE owner = ? AND sourceId = ?", arguments: [owner, sourceID])

            // Operations that keep their previous name claim it first, so a new operation
            // can never take over a name a model already uses.
            var assigned: [String: String] = [:]
            for d in drafts { if let name = nameByKey[d.operationKey], !taken.contains(name) { assigned[d.operationKey] = name; taken.insert(name) } }
            // New operations get names in a deterministic order.
            for d in drafts.sorted(by: { $0.operationKey < $1.operationKey }) where assigned[d.operationKey] == nil {
                let base = CallName.base(slug: source.slug, hint: d.nameHint, repeatingSlug: repeatsSlug)
                var name = base
                var n = 2
                while taken.contains(name) { name = "\(base)_\(n)"; n += 1 }
                taken.insert(name)
                assigned[d.operationKey] = name
            }

            var inserted: [CatalogEntry] = []
            var seenKeys = Set<String>()
            for (d, r) in zip(drafts, rendered) where seenKeys.insert(d.operationKey).inserted {
                var entry = CatalogEntry(
                    owner: owner, sourceId: sourceID, callName: assigned[d.operationKey]!, operationKey: d.operationKey,
                    kind: d.kind, title: d.title, description: d.description, tags: d.tags.joined(separator: " "),
                    method: d.method, path: d.path, deprecated: d.deprecated, inputSchema: r.inputSchema,
                    outputSchema: r.outputSchema, details: r.details)
                entry.signature = TypeScriptGenerator.signature(callName: entry.callName, rendered: r.signature)
                entry.declaration = TypeScriptGenerator.declaration(
                    callName: entry.callName, title: d.title, description: d.description, deprecated: d.deprecated, hints: d.hints,
                    rendered: r.declaration)
                try entry.insert(db)
                try db.execute(sql: "INSERT INTO catalog_fts(rowid, callName, title, description, tags, params) VALUES (?, ?, ?, ?, ?, ?)",
                               arguments: [entry.id, entry.callName + " " + CallName.words(d.nameHint), entry.title, entry.description, entry.tags,
                                           (d.parameterNames + [d.method ?? "", CallName.words(d.path ?? "")]).joined(separator: " ")])
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
