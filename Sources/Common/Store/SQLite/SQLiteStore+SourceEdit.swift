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
            guard var source = try Source.filter(Column("owner") == owner && Column("slug") == slug).fetchOne(db) else { return nil }
            // An upstream grant was issued for one MCP server: never send it to another
            // URL, and forget it when the source stops using OAuth.
            let movesURL = changes.baseUrl.map { $0 != source.baseUrl } ?? false
            let leavesOAuth = changes.authType.map { $0 != .oauth } ?? false
            if source.authType == .oauth && (movesURL || leavesOAuth) {
                try db.execute(sql: "DELETE FROM source_oauth WHERE owner = ? AND sourceId = ?", arguments: [owner, source.id])
            }
            if let name = changes.name { source.name = name }
            if let baseUrl = changes.baseUrl { source.baseUrl = baseUrl }
            if let specUrl = changes.specUrl { source.specUrl = specUrl }
            if let enabled = changes.enabled { source.enabled = enabled }
            if let authType = changes.authType { source.authType = authType }
            if let headerName = changes.authHeaderName { source.authHeaderName = headerName }
            if let secret = changes.secret {
                if let secret {
                    let origin = try SecretBinding.origin(forNewSecretOf: slug, baseUrl: source.baseUrl, confirmed: changes.confirmedOrigin)
                    source.secretSealed = try box.seal(secret, context: Self.sourceSecretContext(owner: owner, sourceID: source.id, origin: origin))
                    source.secretOrigin = origin.serialized
                } else {
                    source.secretSealed = nil
                    source.secretOrigin = nil
                }
            } else if source.secretSealed != nil {
                try SecretBinding.checkKept(slug: slug, bound: source.secretBoundOrigin, baseUrl: source.baseUrl, confirmed: changes.confirmedOrigin)
            }
            if let status = changes.status {
                guard source.status.canTransition(to: status) else { throw StoreError.illegalTransition(from: source.status, to: status) }
                source.status = status
            }
            source.updatedAt = Date()
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
