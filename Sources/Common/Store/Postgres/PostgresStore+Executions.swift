import Foundation
import PostgresNIO

/// The log of `search` and `execute` runs, per owner.
extension PostgresStore {
    package func insertExecution(_ log: ExecutionLog) async throws {
        // The log changes no cached answer, and the worker writes one after every run.
        try await rows(try log.insertQuery(), voidsCaches: false)
    }

    /// Newest first; `after` is a keyset cursor (the id of the previous page's last run),
    /// stable while new runs arrive. An unknown cursor starts from the newest, as in SQLite.
    package func executions(owner: String, limit: Int, after cursor: String?) async throws -> [ExecutionLog] {
        let limit = max(1, min(limit, 200))
        let columns = ExecutionLog.selectColumns("e")
        if let cursor, let last = try await execution(owner: owner, id: cursor) {
            return try await rows("""
                SELECT \(unescaped: columns) FROM executions e
                WHERE e.owner = \(owner) AND (e.createdAt, e.id) < (\(last.createdAt), \(last.id))
                ORDER BY e.createdAt DESC, e.id DESC LIMIT \(limit)
                """).map(ExecutionLog.init)
        }
        return try await rows("""
            SELECT \(unescaped: columns) FROM executions e WHERE e.owner = \(owner) ORDER BY e.createdAt DESC, e.id DESC LIMIT \(limit)
            """).map(ExecutionLog.init)
    }

    package func execution(owner: String, id: String) async throws -> ExecutionLog? {
        try await rows("SELECT \(unescaped: ExecutionLog.selectColumns()) FROM executions WHERE owner = \(owner) AND id = \(id)")
            .first.map(ExecutionLog.init)
    }
}
