import Foundation
import GRDB

/// What a caller supplies to register a source.
package struct SourceDraft: Sendable {
    package var slug: String
    package var type: SourceType
    package var name: String
    package var baseUrl: String?
    package var specUrl: String?
    package var authType: SourceAuthType
    package var authHeaderName: String?
    package var secret: String?

    package init(slug: String, type: SourceType, name: String, baseUrl: String?, specUrl: String?,
                 authType: SourceAuthType = .none, authHeaderName: String? = nil, secret: String? = nil) {
        self.slug = slug
        self.type = type
        self.name = name
        self.baseUrl = baseUrl
        self.specUrl = specUrl
        self.authType = authType
        self.authHeaderName = authHeaderName
        self.secret = secret
    }
}

extension AppDatabase {
    /// Registers a source; its secret is sealed with `box`, bound to owner and source.
    package func createSource(owner: String, draft: SourceDraft, box: SecretBox) throws -> Source {
        let id = UUID().uuidString.lowercased()
        let now = Date()
        let sealed = try draft.secret.map { try box.seal($0, context: SecretBox.sourceContext(owner: owner, sourceID: id)) }
        let source = Source(id: id, owner: owner, slug: draft.slug, type: draft.type, name: draft.name,
                            baseUrl: draft.baseUrl, specUrl: draft.specUrl, authType: draft.authType,
                            authHeaderName: draft.authHeaderName, secretSealed: sealed, enabled: true,
                            status: "pending", entryCount: 0, lastRefreshAt: nil, lastError: nil,
                            createdAt: now, updatedAt: now)
        do {
            try writer.write { db in try source.insert(db) }
        } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
            throw JunctionError.conflict("a source with slug '\(draft.slug)' already exists")
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

    /// Records a refresh outcome on a source (status and error only).
    package func updateSourceStatus(owner: String, id: String, status: String, error: String?) throws {
        try writer.write { db in
            try db.execute(sql: "UPDATE sources SET status = ?, lastError = ?, updatedAt = ? WHERE owner = ? AND id = ?",
                           arguments: [status, error, Date(), owner, id])
        }
    }

    /// Opens a source's secret. The associated data makes a secret copied onto another
    /// owner's or source's row fail to open.
    package func sourceSecret(_ source: Source, box: SecretBox) throws -> String? {
        guard let sealed = source.secretSealed else { return nil }
        return try box.open(sealed, context: SecretBox.sourceContext(owner: source.owner, sourceID: source.id))
    }
}
