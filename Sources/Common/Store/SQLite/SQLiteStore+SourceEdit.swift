import Foundation
import GRDB
import Secrets
import Upstream

extension SQLiteStore {
    /// Applies `changes` to the owner's source in one transaction and returns it as stored.
    /// A new secret is sealed with `box`, bound to owner, source and origin like at
    /// registration; a kept secret never moves to another origin (`SecretBinding.checkKept`
    /// throws instead, and nothing changes). Moving an OAuth source to another URL, or away
    /// from OAuth, deletes its grant.
    package func updateSource(owner: String, slug: String, changes: SourceChanges, box: SecretBox) throws -> Source? {
        try writer.write { db in
            guard let stored = try Source.filter(Column("owner") == owner && Column("slug") == slug).fetchOne(db) else { return nil }
            let (source, dropsOAuthGrant) = try changes.apply(to: stored, box: box)
            if dropsOAuthGrant {
                try db.execute(sql: "DELETE FROM source_oauth WHERE owner = ? AND sourceId = ?", arguments: [owner, source.id])
            }
            try db.execute(sql: """
                UPDATE sources SET name = ?, baseUrl = ?, specUrl = ?, enabled = ?, authType = ?, authHeaderName = ?,
                secretSealed = ?, secretOrigin = ?, status = ?, updatedAt = ? WHERE owner = ? AND id = ?
                """, arguments: [source.name, source.baseUrl, source.specUrl, source.enabled, source.authType.rawValue,
                                 source.authHeaderName, source.secretSealed, source.secretOrigin, source.status.rawValue, source.updatedAt,
                                 owner, source.id])
            return source
        }
    }

    /// One of the owner's runs.
    package func execution(owner: String, id: String) throws -> ExecutionLog? {
        try writer.read { db in
            try ExecutionLog.filter(Column("owner") == owner && Column("id") == id).fetchOne(db)
        }
    }
}
