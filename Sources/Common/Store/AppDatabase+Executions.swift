import Foundation
import GRDB

extension AppDatabase {
    package func insertExecution(_ log: ExecutionLog) throws {
        try writer.write { db in try log.insert(db) }
    }

    /// The owner's runs, newest first; `before` pages backwards by creation time.
    package func executions(owner: String, limit: Int, before: Date? = nil) throws -> [ExecutionLog] {
        try writer.read { db in
            var request = ExecutionLog.filter(Column("owner") == owner)
            if let before { request = request.filter(Column("createdAt") < before) }
            return try request.order(Column("createdAt").desc).limit(max(1, min(limit, 200))).fetchAll(db)
        }
    }
}
