import Foundation
import JunctionCore
import Logging
import PostgresNIO
import Secrets
import Upstream

/// Sources: their rows, status moves and sealed secrets, as `SQLiteStore+Sources.swift`,
/// `+SourceEdit` and `+RefreshQueue` do them. Where SQLite's single writer makes a
/// read-then-write safe, the row is read `FOR UPDATE` in the write's transaction, so two
/// hosts editing one source take turns.
extension PostgresStore {
    /// Registers a source in `pending`; its secret is sealed with `box`, bound to owner,
    /// source and the origin it may be sent to (see `SecretBinding`). A taken slug is the
    /// insert's conflict, so two hosts registering one slug at once get one source.
    package func createSource(owner: String, draft: SourceDraft, box: SecretBox) async throws -> Source {
        let source = try draft.newSource(owner: owner, box: box)
        let inserted = try await rows(try source.insertQuery(suffix: "ON CONFLICT (owner, slug) DO NOTHING RETURNING id"))
        guard !inserted.isEmpty else { throw StoreError.slugTaken(draft.slug) }
        return source
    }

    package func sources(owner: String) async throws -> [Source] {
        try await rows("SELECT \(unescaped: Source.selectColumns()) FROM sources WHERE owner = \(owner) ORDER BY slug").map(Source.init)
    }

    package func source(owner: String, slug: String) async throws -> Source? {
        try await rows("SELECT \(unescaped: Source.selectColumns()) FROM sources WHERE owner = \(owner) AND slug = \(slug)")
            .first.map(Source.init)
    }

    package func source(owner: String, id: String) async throws -> Source? {
        try await rows("SELECT \(unescaped: Source.selectColumns()) FROM sources WHERE owner = \(owner) AND id = \(id)")
            .first.map(Source.init)
    }

    /// Deletes a source; its catalog entries, spec, grant and MCP state go with it (foreign
    /// keys `ON DELETE CASCADE`; the cascade's delete bumps the owner's catalog version).
    @discardableResult
    package func deleteSource(owner: String, slug: String) async throws -> Bool {
        try await !rows("DELETE FROM sources WHERE owner = \(owner) AND slug = \(slug) RETURNING id").isEmpty
    }

    /// Moves a source to `status` (see `SourceStore.transitionSource`): the current status is
    /// read `FOR UPDATE` and the new one written in the same transaction, so the check and
    /// the change see the same row whatever another host does meanwhile.
    @discardableResult
    package func transitionSource(owner: String, id: String, from expected: SourceStatus?, to status: SourceStatus,
                                  error: String?) async throws -> Bool {
        try await withTransaction { connection in
            guard let raw = try await connection.rows("SELECT status FROM sources WHERE owner = \(owner) AND id = \(id) FOR UPDATE",
                                                      logger: logger).first?.decode(String.self),
                  let current = SourceStatus(rawValue: raw) else { return false }
            if let expected, current != expected { return false }
            guard current.canTransition(to: status) else { throw StoreError.illegalTransition(from: current, to: status) }
            try await connection.rows("""
                UPDATE sources SET status = \(status.rawValue), lastError = \(error), updatedAt = \(Date()) WHERE owner = \(owner) AND id = \(id)
                """, logger: logger)
            return true
        }
    }

    /// Marks the source queued in one conditional UPDATE (see `SQLiteStore+RefreshQueue`):
    /// concurrent requests on any host queue at most one job; a mark older than
    /// `SourceStatus.queuedMarkLifetime` no longer counts.
    package func markRefreshQueued(owner: String, id: String, now: Date) async throws -> Bool {
        let queued = SourceStatus.queued.rawValue
        let stale = now.addingTimeInterval(-SourceStatus.queuedMarkLifetime)
        return try await !rows("""
            UPDATE sources SET status = \(queued), updatedAt = \(now)
            WHERE owner = \(owner) AND id = \(id) AND NOT (status = \(queued) AND updatedAt > \(stale)) RETURNING id
            """).isEmpty
    }

    /// Applies `changes` to the owner's source in one transaction and returns it as stored
    /// (see `SQLiteStore.updateSource`): a new secret is sealed bound to its origin, a kept
    /// one never moves to another origin, and moving an OAuth source to another URL, or
    /// away from OAuth, deletes its grant.
    package func updateSource(owner: String, slug: String, changes: SourceChanges, box: SecretBox) async throws -> Source? {
        try await withTransaction { connection in
            guard let row = try await connection.rows("""
                SELECT \(unescaped: Source.selectColumns()) FROM sources WHERE owner = \(owner) AND slug = \(slug) FOR UPDATE
                """, logger: logger).first else { return nil }
            let (source, dropsOAuthGrant) = try changes.apply(to: try Source(row), box: box)
            if dropsOAuthGrant {
                try await connection.rows("DELETE FROM source_oauth WHERE owner = \(owner) AND sourceId = \(source.id)", logger: logger)
            }
            try await connection.rows("""
                UPDATE sources SET name = \(source.name), baseUrl = \(source.baseUrl), specUrl = \(source.specUrl),
                    enabled = \(source.enabled), authType = \(source.authType.rawValue), authHeaderName = \(source.authHeaderName),
                    secretSealed = \(source.secretSealed), secretOrigin = \(source.secretOrigin), status = \(source.status.rawValue),
                    updatedAt = \(source.updatedAt)
                WHERE owner = \(owner) AND id = \(source.id)
                """, logger: logger)
            return source
        }
    }

    /// Opens a source's secret (see `Source.openSecret`), writing back one sealed the old way
    /// sealed again bound to its recorded origin.
    package func sourceSecret(_ source: Source, box: SecretBox) async throws -> String? {
        guard let (secret, resealed) = try source.openSecret(box: box) else { return nil }
        if let resealed {
            try await rows("""
                UPDATE sources SET secretSealed = \(resealed)
                WHERE owner = \(source.owner) AND id = \(source.id) AND secretSealed = \(source.secretSealed) AND secretOrigin = \(source.secretOrigin)
                """)
        }
        return secret
    }

    /// Seals again, bound to their recorded origin, secrets still sealed the old way;
    /// returns how many.
    @discardableResult
    package func bindLegacySourceSecrets(box: SecretBox) async throws -> Int {
        let candidates = try await rows("""
            SELECT \(unescaped: Source.selectColumns()) FROM sources WHERE secretSealed IS NOT NULL AND secretOrigin IS NOT NULL
            """).map(Source.init)
        var bound = 0
        for source in candidates {
            guard let origin = source.secretBoundOrigin, let sealed = source.secretSealed else { continue }
            let context = SecretBinding.sealingContext(owner: source.owner, sourceID: source.id, origin: origin)
            if (try? box.open(sealed, context: context)) != nil { continue }
            guard (try? await sourceSecret(source, box: box)) != nil else { continue }
            bound += 1
        }
        return bound
    }
}
