import Catalog
import Foundation
import JunctionCore

/// Each owner's catalog: the callable entries of their sources, the combined OpenAPI
/// document, and ranked search. Indexing (rendering drafts to JSON and TypeScript) happens
/// before the write transaction, so the store's write lock is held only for the rows.
package protocol CatalogStore: Sendable {
    /// Replaces a source's catalog in one transaction (readers see the old catalog or the
    /// new one, never half), keeping each operation's call name across refreshes, and
    /// moves the source to `ready`. `spec` builds the source's `codemode.spec()` fragment
    /// from the final call names (operation key → call name), stored in the same transaction.
    /// `note` becomes the source's `lastError` (indexing warnings) in that transaction too,
    /// so no reader sees the source `ready` without it; `nil` clears it.
    @discardableResult
    func replaceCatalog(owner: String, sourceID: String, drafts: [CatalogEntryDraft],
                        spec: (@Sendable ([String: String]) -> JSONValue)?, note: String?) async throws -> [CatalogEntry]
    /// The combined OpenAPI document of the owner's enabled OpenAPI sources.
    func combinedSpec(owner: String) async throws -> JSONValue
    /// Call names of every entry of the owner's enabled sources.
    func enabledCallNames(owner: String) async throws -> [String]
    /// Call names of enabled sources that start with `prefix` ("did you mean").
    func enabledCallNames(owner: String, prefix: String) async throws -> [String]
    /// One entry of an enabled source, with its source.
    func callable(owner: String, callName: String) async throws -> (CatalogEntry, Source)?
    /// Ranked search over the owner's enabled catalog (see `CatalogSearchIndex`). Called
    /// many times per run by a model's code: keep it cheap while the catalog is unchanged.
    func searchCatalog(owner: String, query: CatalogQuery) async throws -> [CatalogHit]
}

extension CatalogStore {
    /// Replaces a source's catalog without a spec fragment.
    @discardableResult
    package func replaceCatalog(owner: String, sourceID: String, drafts: [CatalogEntryDraft]) async throws -> [CatalogEntry] {
        try await replaceCatalog(owner: owner, sourceID: sourceID, drafts: drafts, spec: nil, note: nil)
    }

    /// Search with a plain text query.
    package func searchCatalog(owner: String, query: String, limit: Int) async throws -> [CatalogHit] {
        try await searchCatalog(owner: owner, query: CatalogQuery(text: query, limit: limit))
    }
}
