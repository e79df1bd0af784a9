import Foundation
import GRDB

/// Bounds on the authorization server's client table: dynamically registered clients that
/// never complete a flow expire and are swept; cached Client ID Metadata Documents are
/// capped, the least recently fetched evicted first. Nothing references a client row by
/// key (consents and tokens carry the id), so dropping one loses nothing but the cache.
extension SQLiteStore {
    static func migrateOAuthClientExpiry(_ db: Database) throws {
        try db.alter(table: "oauth_clients") { t in t.add(column: "firstUsedAt", .datetime) }
        try db.create(index: "oauth_clients_kind_used_created", on: "oauth_clients", columns: ["kind", "firstUsedAt", "createdAt"])
    }

    /// Records that a client obtained tokens (once; later calls change nothing).
    package func markOAuthClientUsed(id: String) throws {
        try writer.write { db in
            try db.execute(sql: "UPDATE oauth_clients SET firstUsedAt = ? WHERE id = ? AND firstUsedAt IS NULL", arguments: [Date(), id])
        }
    }

    /// Deletes registered clients created before `cutoff` that never obtained a token;
    /// returns how many went.
    @discardableResult
    package func sweepUnusedOAuthClients(createdBefore cutoff: Date) throws -> Int {
        try writer.write { db in
            try db.execute(sql: "DELETE FROM oauth_clients WHERE kind = 'registered' AND firstUsedAt IS NULL AND createdAt < ?",
                           arguments: [cutoff])
            return db.changesCount
        }
    }

    /// How many registered clients have not obtained a token yet.
    package func unusedOAuthClientCount() throws -> Int {
        try writer.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM oauth_clients WHERE kind = 'registered' AND firstUsedAt IS NULL") ?? 0
        }
    }

    /// Stores a freshly fetched metadata document and keeps at most `keep` of them.
    package func saveMetadataClient(_ client: OAuthClientRecord, keep: Int) throws {
        try writer.write { db in
            var record = client
            // A client that completed a flow stays marked across re-fetches.
            record.firstUsedAt = try OAuthClientRecord.fetchOne(db, key: client.id)?.firstUsedAt ?? client.firstUsedAt
            try record.save(db)
            try db.execute(sql: """
                DELETE FROM oauth_clients WHERE kind = 'metadata' AND id NOT IN (
                    SELECT id FROM oauth_clients WHERE kind = 'metadata' ORDER BY createdAt DESC, id LIMIT ?)
                """, arguments: [max(1, keep)])
        }
    }

    /// How many metadata documents are cached.
    package func metadataClientCount() throws -> Int {
        try writer.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM oauth_clients WHERE kind = 'metadata'") ?? 0 }
    }
}
