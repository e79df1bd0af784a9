import Catalog

/// A catalog entry as every store writes it, with the two texts ranked search reads
/// beside it (`CatalogSearchIndex.Document.columns`): SQLite keeps them in `catalog_fts`,
/// PostgreSQL in the `searchName` and `searchParams` columns.
package struct IndexedCatalogEntry: Sendable, Equatable {
    package var entry: CatalogEntry
    /// The call name and the words of the name hint.
    package var searchName: String
    /// The parameter names, the method and the words of the path.
    package var searchParams: String

    /// The entry for `draft` (rendered as `rendered`) under `callName`, with its TypeScript
    /// signature and declaration.
    package init(owner: String, sourceID: String, callName: String, draft d: CatalogEntryDraft, rendered r: RenderedDraft) {
        var entry = CatalogEntry(
            owner: owner, sourceId: sourceID, callName: callName, operationKey: d.operationKey,
            kind: d.kind, title: d.title, description: d.description, tags: d.tags.joined(separator: " "),
            method: d.method, path: d.path, deprecated: d.deprecated, inputSchema: r.inputSchema,
            outputSchema: r.outputSchema, details: r.details)
        entry.signature = TypeScriptGenerator.signature(callName: callName, rendered: r.signature)
        entry.declaration = TypeScriptGenerator.declaration(
            callName: callName, title: d.title, description: d.description, deprecated: d.deprecated, hints: d.hints,
            rendered: r.declaration)
        self.entry = entry
        searchName = callName + " " + CallName.words(d.nameHint)
        searchParams = (d.parameterNames + [d.method ?? "", CallName.words(d.path ?? "")]).joined(separator: " ")
    }

    /// The entries of a source's new catalog, in draft order, one per operation key (the
    /// first draft of a key wins), named as `names` (operation key → call name, see
    /// `CallNameAssignment`) says. `rendered[i]` is `drafts[i]` rendered.
    package static func entries(owner: String, sourceID: String, drafts: [CatalogEntryDraft], rendered: [RenderedDraft],
                                names: [String: String]) -> [IndexedCatalogEntry] {
        var entries: [IndexedCatalogEntry] = []
        var seenKeys = Set<String>()
        for (d, r) in zip(drafts, rendered) where seenKeys.insert(d.operationKey).inserted {
            entries.append(IndexedCatalogEntry(owner: owner, sourceID: sourceID, callName: names[d.operationKey]!, draft: d, rendered: r))
        }
        return entries
    }
}
