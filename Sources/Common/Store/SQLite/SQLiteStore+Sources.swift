import Foundation
import GRDB
import JunctionCore
import Secrets
import Upstream

extension SQLiteStore {
    /// Registers a source; its secret is sealed with `box`, bound to owner, source and the
    /// origin it may be sent to (see `SecretBinding`).
    package func createSource(owner: String, draft: SourceDraft, box: SecretBox) throws -> Source {
        let source = try draft.newSource(owner: owner, box: box)
        do {
            try writer.write { db in try source.insert(db) }
        } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
            throw StoreError.slugTaken(draft.slug)
        }
        return source
    }

    package func sources(owner: String) throws -> [Source] {
        try writer.read { db in
            try Source.filter(Column("owner") == owner).order(Column("slug")).fetchAll(db)
        }
    }

    package func source(owner: String, slug: String) throws -> Source? {
        try writer.read { db in
            try Source.filter(Column("owner") == owner && Column("slug") == slug).fetchOne(db)
        }
    }

    package func source(owner: String, id: String) throws -> Source? {
        try writer.read { db in
            try Source.filter(Column("owner") == owner && Column("id") == id).fetchOne(db)
        }
    }

    /// Deletes a source and its catalog entries. Returns false when it did not exist.
    @discardableResult
    package func deleteSource(owner: String, slug: String) throws -> Bool {
        try writer.write { db in
            guard let source = try Source.filter(Column("owner") == owner && Column("slug") == slug).fetchOne(db) else { return false }
            try db.execute(sql: "DELETE FROM catalog_fts WHERE rowid IN (SELECT id FROM catalog_entries WHERE owner = ? AND sourceId = ?)",
                           arguments: [owner, source.id])
            try db.execute(sql: "DELETE FROM catalog_entries WHERE owner = ? AND sourceId = ?", arguments: [owner, source.id])
            return try source.delete(db)
        }
    }

    /// Moves a source to `status` (see `SourceStore.transitionSource`): reads the current
    /// status and writes the new one in one write transaction, so the check and the change
    /// see the same row.
    @discardableResult
    package func transitionSource(owner: String, id: String, from expected: SourceStatus? = nil, to status: SourceStatus,
                                  error: String?) throws -> Bool {
        try writer.write { db in
            guard let raw = try String.fetchOne(db, sql: "SELECT status FROM sources WHERE owner = ? AND id = ?", arguments: [owner, id]),
                  let current = SourceStatus(rawValue: raw) else { return false }
            if let expected, current != expected { return false }
            guard current.canTransition(to: status) else { throw StoreError.illegalTransition(from: current, to: status) }
            try db.execute(sql: "UPDATE sources SET status = ?, lastError = ?, updatedAt = ? WHERE owner = ? AND id = ?",
                           arguments: [status.rawValue, error, Date(), owner, id])
            return true
        }
    }

    /// Opens a source's secret (see `Source.openSecret`), writing back one sealed the old way
    /// sealed again bound to its recorded origin.
    package func sourceSecret(_ source: Source, box: SecretBox) throws -> String? {
        guard let (secret, resealed) = try source.openSecret(box: box) else { return nil }
        if let resealed {
            try writer.write { db in
                try db.execute(sql: "UPDATE sources SET secretSealed = ? WHERE owner = ? AND id = ? AND secretSealed = ? AND secretOrigin = ?",
                               arguments: [resealed, source.owner, source.id, source.secretSealed, source.secretOrigin])
            }
        }
        return secret
    }

    /// Seals again, bound to their recorded origin, every secret still sealed the way it was
    /// before origins were recorded; returns how many. Run at start-up so that no secret
    /// stays openable under a changed origin until its first use.
    @discardableResult
    package func bindLegacySourceSecrets(box: SecretBox) throws -> Int {
        let sources = try writer.read { db in
            try Source.filter(Column("secretSealed") != nil && Column("secretOrigin") != nil).fetchAll(db)
        }
        var bound = 0
        for source in sources {
            guard let origin = source.secretBoundOrigin, let sealed = source.secretSealed else { continue }
            if (try? box.open(sealed, context: Self.sourceSecretContext(owner: source.owner, sourceID: source.id, origin: origin))) != nil { continue }
            guard (try? sourceSecret(source, box: box)) != nil else { continue }
            bound += 1
        }
        return bound
    }

    /// The associated data binding a source secret to its owner, its source and the origin
    /// it may be sent to.
    package static func sourceSecretContext(owner: String, sourceID: String, origin: Origin) -> Data {
        SecretBinding.sealingContext(owner: owner, sourceID: sourceID, origin: origin)
    }

    /// `secretOrigin`: the origin a source's secret may be sent to. A secret stored before
    /// is bound to the origin of its source's baseUrl, as it was used; a source without
    /// baseUrl (its secret went wherever the spec's servers said) gets none and shows
    /// `needs_secret` until the user enters the secret again with an origin.
    static func migrateSecretOrigins(_ db: Database) throws {
        try db.alter(table: "sources") { t in t.add(column: "secretOrigin", .text) }
        let rows = try Row.fetchAll(db, sql: "SELECT id, baseUrl FROM sources WHERE secretSealed IS NOT NULL")
        for row in rows {
            let baseUrl: String? = row["baseUrl"]
            guard let origin = baseUrl.flatMap(Origin.init(string:)) else { continue }
            try db.execute(sql: "UPDATE sources SET secretOrigin = ? WHERE id = ?", arguments: [origin.serialized, row["id"] as String])
        }
    }
}
