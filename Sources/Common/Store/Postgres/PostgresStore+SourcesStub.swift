import Catalog
import Foundation
import JunctionCore
import Secrets
import Upstream

// Placeholders for SourceStore and CatalogStore until they are written against the
// PostgreSQL schema (PostgresMigrations); they fail loudly rather than answer wrongly.
extension PostgresStore {
    private func notYet(_ method: String = #function) -> StoreError {
        StoreError.unavailable("PostgreSQL store: \(method) is not implemented yet")
    }

    package func createSource(owner: String, draft: SourceDraft, box: SecretBox) async throws -> Source { throw notYet() }
    package func sources(owner: String) async throws -> [Source] { throw notYet() }
    package func source(owner: String, slug: String) async throws -> Source? { throw notYet() }
    package func source(owner: String, id: String) async throws -> Source? { throw notYet() }
    package func updateSource(owner: String, slug: String, changes: SourceChanges, box: SecretBox) async throws -> Source? { throw notYet() }
    @discardableResult
    package func deleteSource(owner: String, slug: String) async throws -> Bool { throw notYet() }
    @discardableResult
    package func transitionSource(owner: String, id: String, from: SourceStatus?, to status: SourceStatus, error: String?) async throws -> Bool {
        throw notYet()
    }
    package func markRefreshQueued(owner: String, id: String, now: Date) async throws -> Bool { throw notYet() }
    package func sourceSecret(_ source: Source, box: SecretBox) async throws -> String? { throw notYet() }
    @discardableResult
    package func bindLegacySourceSecrets(box: SecretBox) async throws -> Int { throw notYet() }
    package func sourceOAuthGrant(owner: String, sourceID: String, box: SecretBox) async throws -> UpstreamOAuthGrant? { throw notYet() }
    package func saveSourceOAuthGrant(owner: String, sourceID: String, grant: UpstreamOAuthGrant, box: SecretBox) async throws { throw notYet() }
    package func sourceOAuthExpiring(before date: Date, limit: Int) async throws -> [SourceRef] { throw notYet() }
    package func sourcesDueForRefresh(before date: Date, limit: Int) async throws -> [SourceRef] { throw notYet() }
    package func mcpConnectionInfo(owner: String, sourceID: String) async throws -> MCPConnectionInfo? { throw notYet() }
    package func rememberMCPConnection(owner: String, sourceID: String, info: MCPConnectionInfo) async throws { throw notYet() }
    package func forgetMCPConnection(owner: String, sourceID: String) async throws { throw notYet() }

    @discardableResult
    package func replaceCatalog(owner: String, sourceID: String, drafts: [CatalogEntryDraft],
                                spec: (@Sendable ([String: String]) -> JSONValue)?, note: String?) async throws -> [CatalogEntry] {
        throw notYet()
    }
    package func combinedSpec(owner: String) async throws -> JSONValue { throw notYet() }
    package func enabledCallNames(owner: String) async throws -> [String] { throw notYet() }
    package func enabledCallNames(owner: String, prefix: String) async throws -> [String] { throw notYet() }
    package func callable(owner: String, callName: String) async throws -> (CatalogEntry, Source)? { throw notYet() }
    package func searchCatalog(owner: String, query: CatalogQuery) async throws -> [CatalogHit] { throw notYet() }
}
