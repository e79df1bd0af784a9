import Foundation
import GRDB
import Secrets
import Upstream

extension SQLiteStore {
    /// `source_oauth`: the sealed OAuth grant (client registration + tokens) of an MCP
    /// source. Only the expiry and whether sign-in is needed are in clear, for scheduling.
    static func migrateSourceOAuth(_ db: Database) throws {
        try db.create(table: "source_oauth") { t in
            t.column("sourceId", .text).primaryKey().references("sources", onDelete: .cascade)
            t.column("owner", .text).notNull().references("users", onDelete: .cascade)
            t.column("grantSealed", .text).notNull()
            t.column("expiresAt", .datetime)
            t.column("refreshable", .boolean).notNull()
            t.column("needsSignIn", .boolean).notNull().defaults(to: false)
            t.column("updatedAt", .datetime).notNull()
        }
        try db.create(index: "source_oauth_expiry", on: "source_oauth", columns: ["needsSignIn", "expiresAt"])
    }

    /// The associated data binding a grant to its owner and source.
    package static func oauthContext(owner: String, sourceID: String) -> Data {
        SecretBinding.oauthGrantContext(owner: owner, sourceID: sourceID)
    }

    /// The OAuth grant of a source, opened; nil when the user has not signed in.
    package func sourceOAuthGrant(owner: String, sourceID: String, box: SecretBox) throws -> UpstreamOAuthGrant? {
        let sealed = try writer.read { db in
            try String.fetchOne(db, sql: "SELECT grantSealed FROM source_oauth WHERE owner = ? AND sourceId = ?", arguments: [owner, sourceID])
        }
        guard let sealed else { return nil }
        let text = try box.open(sealed, context: Self.oauthContext(owner: owner, sourceID: sourceID))
        return try JSONDecoder().decode(UpstreamOAuthGrant.self, from: Data(text.utf8))
    }

    /// Stores (replaces) the grant of a source, sealed. Does nothing when the source is gone.
    package func saveSourceOAuthGrant(owner: String, sourceID: String, grant: UpstreamOAuthGrant, box: SecretBox) throws {
        let text = String(decoding: try JSONEncoder().encode(grant), as: UTF8.self)
        let sealed = try box.seal(text, context: Self.oauthContext(owner: owner, sourceID: sourceID))
        try writer.write { db in
            try db.execute(sql: """
                INSERT INTO source_oauth(sourceId, owner, grantSealed, expiresAt, refreshable, needsSignIn, updatedAt)
                SELECT id, owner, ?, ?, ?, ?, ? FROM sources WHERE owner = ? AND id = ?
                ON CONFLICT(sourceId) DO UPDATE SET grantSealed = excluded.grantSealed, expiresAt = excluded.expiresAt,
                    refreshable = excluded.refreshable, needsSignIn = excluded.needsSignIn, updatedAt = excluded.updatedAt
                """, arguments: [sealed, grant.expiresAt, grant.refreshToken != nil, grant.needsSignIn, Date(), owner, sourceID])
        }
    }

    /// Grants (of any owner) whose access token expires before `date` and that can be refreshed.
    package func sourceOAuthExpiring(before date: Date, limit: Int = 100) throws -> [SourceRef] {
        try writer.read { db in
            try Row.fetchAll(db, sql: """
                SELECT o.owner, o.sourceId FROM source_oauth o JOIN sources s ON s.id = o.sourceId
                WHERE o.needsSignIn = 0 AND o.refreshable = 1 AND o.expiresAt IS NOT NULL AND o.expiresAt < ? AND s.enabled = 1
                ORDER BY o.expiresAt LIMIT ?
                """, arguments: [date, limit]).map { SourceRef(owner: $0[0], sourceID: $0[1]) }
        }
    }

    /// Sources (of any owner) whose catalog was last refreshed before `date` (one that never
    /// refreshed counts from its creation), excluding those waiting for a refresh or for
    /// their user's sign-in.
    package func sourcesDueForRefresh(before date: Date, limit: Int = 200) throws -> [SourceRef] {
        try writer.read { db in
            try Row.fetchAll(db, sql: """
                SELECT owner, id FROM sources
                WHERE enabled = 1 AND status NOT IN ('\(SourceStatus.pending.rawValue)', '\(SourceStatus.refreshing.rawValue)', '\(SourceStatus.needsSignIn.rawValue)')
                  AND COALESCE(lastRefreshAt, createdAt) < ?
                ORDER BY COALESCE(lastRefreshAt, createdAt) LIMIT ?
                """, arguments: [date, limit]).map { SourceRef(owner: $0[0], sourceID: $0[1]) }
        }
    }
}
