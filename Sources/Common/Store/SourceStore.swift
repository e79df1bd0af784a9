import Foundation
import Secrets
import Upstream

/// A user's registered upstreams: their rows and status, their sealed secrets and OAuth
/// grants, and what their MCP connections negotiated. Every method is scoped by owner,
/// except the scheduler's two cross-owner listings.
package protocol SourceStore: Sendable {
    /// Registers a source in `pending`; its secret is sealed with `box`, bound to owner,
    /// source and the origin it may be sent to. `conflict` when the slug is taken.
    func createSource(owner: String, draft: SourceDraft, box: SecretBox) async throws -> Source
    /// The owner's sources by slug.
    func sources(owner: String) async throws -> [Source]
    /// One of the owner's sources by slug.
    func source(owner: String, slug: String) async throws -> Source?
    /// One of the owner's sources by id.
    func source(owner: String, id: String) async throws -> Source?
    /// Applies an edit (see `SourceChanges`); nil when the source does not exist.
    func updateSource(owner: String, slug: String, changes: SourceChanges, box: SecretBox) async throws -> Source?
    /// Deletes a source and its catalog entries. Returns false when it did not exist.
    @discardableResult
    func deleteSource(owner: String, slug: String) async throws -> Bool

    /// Moves a source to `status` and records `error` (nil clears it), in one transaction
    /// that reads the current status first. Throws `StoreError.illegalTransition` when
    /// `SourceStatus.canTransition` refuses the move, and changes nothing when `from` is
    /// given and the source is not in it (returns false; also when the source is gone).
    @discardableResult
    func transitionSource(owner: String, id: String, from: SourceStatus?, to status: SourceStatus, error: String?) async throws -> Bool
    /// Marks the source `queued`; false when it already was, recently (nothing changed).
    func markRefreshQueued(owner: String, id: String, now: Date) async throws -> Bool

    /// Opens a source's secret (nil without one). Throws `StoreError.sourceNeedsSecret`
    /// for a secret bound to no origin: it is never sent.
    func sourceSecret(_ source: Source, box: SecretBox) async throws -> String?
    /// Seals again, bound to their recorded origin, secrets sealed before origins were
    /// recorded; returns how many. Run at start-up.
    @discardableResult
    func bindLegacySourceSecrets(box: SecretBox) async throws -> Int

    /// The OAuth grant of a source, opened; nil when the user has not signed in.
    func sourceOAuthGrant(owner: String, sourceID: String, box: SecretBox) async throws -> UpstreamOAuthGrant?
    /// Stores (replaces) the grant of a source, sealed. Does nothing when the source is gone.
    func saveSourceOAuthGrant(owner: String, sourceID: String, grant: UpstreamOAuthGrant, box: SecretBox) async throws
    /// Grants (of any owner) whose access token expires before `date` and can be refreshed.
    func sourceOAuthExpiring(before date: Date, limit: Int) async throws -> [SourceRef]
    /// Sources (of any owner) last refreshed before `date`, excluding those waiting for a
    /// refresh or for their user's sign-in.
    func sourcesDueForRefresh(before date: Date, limit: Int) async throws -> [SourceRef]

    /// What the last successful connection to an MCP source negotiated.
    func mcpConnectionInfo(owner: String, sourceID: String) async throws -> MCPConnectionInfo?
    /// Remembers what a connection to an MCP source negotiated.
    func rememberMCPConnection(owner: String, sourceID: String, info: MCPConnectionInfo) async throws
    /// Forgets it (the next connection detects again).
    func forgetMCPConnection(owner: String, sourceID: String) async throws
}

extension SourceStore {
    /// Moves a source to `status` from whatever it is in (see the requirement).
    @discardableResult
    package func transitionSource(owner: String, id: String, to status: SourceStatus, error: String?) async throws -> Bool {
        try await transitionSource(owner: owner, id: id, from: nil, to: status, error: error)
    }

    /// Marks the source `queued` now (see the requirement).
    package func markRefreshQueued(owner: String, id: String) async throws -> Bool {
        try await markRefreshQueued(owner: owner, id: id, now: Date())
    }

    /// Expiring grants, at most 100.
    package func sourceOAuthExpiring(before date: Date) async throws -> [SourceRef] {
        try await sourceOAuthExpiring(before: date, limit: 100)
    }

    /// Sources due for a refresh, at most 200.
    package func sourcesDueForRefresh(before date: Date) async throws -> [SourceRef] {
        try await sourcesDueForRefresh(before: date, limit: 200)
    }
}
