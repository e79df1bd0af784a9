import Catalog
import Foundation
import GRDB
import Synchronization

/// The in-memory search indexes of one process, one per owner, each tagged with the
/// catalog version it was built from. Least recently used owners are dropped first.
package final class CatalogIndexCache: Sendable {
    private struct Slot {
        var version: Int64
        var index: CatalogSearchIndex
        var used: UInt64
    }

    /// Most documents kept across all owners (about 1 KB each).
    package let maxDocuments: Int
    private let slots = Mutex<(entries: [String: Slot], clock: UInt64)>(([:], 0))

    package init(maxDocuments: Int = 200_000) {
        self.maxDocuments = maxDocuments
    }

    func lookup(owner: String, version: Int64) -> CatalogSearchIndex? {
        slots.withLock { state in
            guard var slot = state.entries[owner], slot.version == version else { return nil }
            state.clock += 1
            slot.used = state.clock
            state.entries[owner] = slot
            return slot.index
        }
    }

    func store(owner: String, version: Int64, index: CatalogSearchIndex) {
        slots.withLock { state in
            state.clock += 1
            state.entries[owner] = Slot(version: version, index: index, used: state.clock)
            var total = state.entries.values.reduce(0) { $0 + $1.index.documents.count }
            while total > maxDocuments, state.entries.count > 1,
                  let oldest = state.entries.filter({ $0.key != owner }).min(by: { $0.value.used < $1.value.used }) {
                total -= oldest.value.index.documents.count
                state.entries.removeValue(forKey: oldest.key)
            }
        }
    }
}

extension SQLiteStore {
    /// `catalog_versions` counts every change to an owner's catalog entries. Triggers
    /// bump it, so no writer (present or future) can change a catalog without the
    /// in-memory indexes noticing.
    static func migrateCatalogVersions(_ db: Database) throws {
        try db.create(table: "catalog_versions") { t in
            t.primaryKey("owner", .text).references("users", onDelete: .cascade)
            t.column("version", .integer).notNull()
        }
        for (event, row) in [("INSERT", "NEW"), ("DELETE", "OLD"), ("UPDATE", "NEW")] {
            try db.execute(sql: """
                CREATE TRIGGER catalog_entries_version_\(event.lowercased()) AFTER \(event) ON catalog_entries
                BEGIN
                    INSERT INTO catalog_versions(owner, version) VALUES (\(row).owner, 1)
                    ON CONFLICT(owner) DO UPDATE SET version = version + 1;
                END
                """)
        }
    }

    /// Ranked catalog search for `codemode.catalog` and the dashboard (see
    /// `CatalogSearchIndex` for the ranking), served from an in-memory index rebuilt only
    /// when the owner's catalog changed. Filters apply before limiting. User text is only
    /// ever split into words, so it can never break anything.
    package func searchCatalog(owner: String, query: CatalogQuery) throws -> [CatalogHit] {
        // The version and the sources through `HotPathReader` (no thread switches: a
        // model's search code may call this hundreds of times in one run). Only a stale
        // index is rebuilt in a read transaction, so that it matches its version exactly.
        let version = try hotPath.int64("SELECT version FROM catalog_versions WHERE owner = ?", owner) ?? 0
        let index: CatalogSearchIndex
        if let cached = catalogIndexes.lookup(owner: owner, version: version) {
            index = cached
        } else {
            index = try writer.read { db in
                let version = try Int64.fetchOne(db, sql: "SELECT version FROM catalog_versions WHERE owner = ?", arguments: [owner]) ?? 0
                let built = try Self.buildCatalogIndex(db, owner: owner)
                catalogIndexes.store(owner: owner, version: version, index: built)
                return built
            }
        }
        var scope = CatalogSearchScope(query: query)
        for s in try hotPath.rows("SELECT id, slug, type, enabled FROM sources WHERE owner = ?", owner, columns: 4) where s[3] == "1" {
            scope.admit(id: s[0], slug: s[1], type: s[2])
        }
        return scope.hits(in: index)
    }

    package static func buildCatalogIndex(_ db: Database, owner: String, tuning: SearchTuning = .default) throws -> CatalogSearchIndex {
        let rows = try Row.fetchCursor(db, sql: """
            SELECT e.callName, e.sourceId, e.kind, e.title, e.description, e.method, e.path, e.signature,
                   f.callName, f.title, f.description, f.tags, f.params, e.deprecated
            FROM catalog_entries e JOIN catalog_fts f ON f.rowid = e.id
            WHERE e.owner = ?
            """, arguments: [owner])
        var documents: [CatalogSearchIndex.Document] = []
        while let r = try rows.next() {
            documents.append(CatalogSearchIndex.Document(
                callName: r[0], sourceID: r[1], kind: r[2], title: r[3], description: r[4], method: r[5], path: r[6],
                signature: r[7], columns: [r[8] ?? "", r[9] ?? "", r[10] ?? "", r[11] ?? "", r[12] ?? ""], deprecated: r[13] ?? false))
        }
        return CatalogSearchIndex(documents: documents, tuning: tuning)
    }
}
