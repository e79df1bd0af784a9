import Foundation
import GRDB

extension SQLiteStore {
    package func insertExecution(_ log: ExecutionLog) throws {
        try writer.write { db in try log.insert(db) }
    }

    /// The owner's runs, newest first. `after` is the id of the last run of the previous
    /// page (a keyset cursor: stable while new runs arrive).
    package func executions(owner: String, limit: Int, after cursor: String? = nil) throws -> [ExecutionLog] {
        try writer.read { db in
            var request = ExecutionLog.filter(Column("owner") == owner)
            if let cursor, let last = try ExecutionLog.filter(Column("owner") == owner && Column("id") == cursor).fetchOne(db) {
                request = request.filter(Column("createdAt") < last.createdAt || (Column("createdAt") == last.createdAt && Column("id") < last.id))
            }
            return try request.order(Column("createdAt").desc, Column("id").desc).limit(max(1, min(limit, 200))).fetchAll(db)
        }
    }
}
