import Foundation
import GRDBSQLite
import JunctionCore
import Synchronization

/// Runs the few small reads on every request's or every search call's path — the auth
/// epoch (`SQLiteStore+AuthEpoch.swift`), an owner's catalog version and source list
/// (`searchCatalog`) — through a SQLite connection of its own, on the caller's thread.
/// Through the database pool each read went to a reader's dispatch queue and back, two
/// thread switches that cost about 0.19 ms on these machines, where this costs a few
/// microseconds. Statements are prepared once and run under a lock, each in its own
/// implicit transaction, and reset at once, so no read transaction outlives the call
/// (it would hold back WAL checkpoints) and every read sees the latest commit of any
/// process. Consecutive reads are therefore not one snapshot: callers must not need
/// that.
package final class HotPathReader: Sendable {
    private struct Handle: @unchecked Sendable {
        var db: OpaquePointer
        var statements: [String: OpaquePointer] = [:]
    }

    private let handle: Mutex<Handle>

    /// Opens the database at `path`, which must exist and be migrated.
    package init(path: String) throws {
        var db: OpaquePointer?
        // Read-write without CREATE: a read-only connection cannot create the WAL index
        // when it happens to be missing. Only ever SELECTs.
        guard sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nil) == SQLITE_OK, let db else {
            if let db { sqlite3_close(db) }
            throw JunctionError("store_unavailable", "cannot open \(path) for hot-path reads")
        }
        sqlite3_busy_timeout(db, 10_000)
        handle = Mutex(Handle(db: db))
    }

    deinit {
        handle.withLock { h in
            for statement in h.statements.values { sqlite3_finalize(statement) }
            sqlite3_close(h.db)
        }
    }

    /// The first column of the first row of `sql` as an integer; nil without a row.
    package func int64(_ sql: String, _ arguments: String...) throws -> Int64? {
        try run(sql, arguments) { statement in
            sqlite3_step(statement) == SQLITE_ROW ? sqlite3_column_int64(statement, 0) : nil
        }
    }

    /// Every row of `sql`, its first `columns` columns as text (NULL as "").
    package func rows(_ sql: String, _ arguments: String..., columns: Int) throws -> [[String]] {
        try run(sql, arguments) { statement in
            var out: [[String]] = []
            while sqlite3_step(statement) == SQLITE_ROW {
                out.append((0..<Int32(columns)).map { i in sqlite3_column_text(statement, i).map { String(cString: $0) } ?? "" })
            }
            return out
        }
    }

    private func run<T>(_ sql: String, _ arguments: [String], _ body: (OpaquePointer) -> T) throws -> T {
        try handle.withLock { h in
            let statement = try prepared(sql, in: &h)
            defer {
                sqlite3_reset(statement)
                sqlite3_clear_bindings(statement)
            }
            for (i, argument) in arguments.enumerated() {
                // SQLITE_TRANSIENT: SQLite copies the text, which only lives for this call.
                guard sqlite3_bind_text(statement, Int32(i + 1), argument, -1, unsafeBitCast(-1, to: sqlite3_destructor_type.self)) == SQLITE_OK else {
                    throw JunctionError("store_unavailable", "cannot bind a hot-path read: \(String(cString: sqlite3_errmsg(h.db)))")
                }
            }
            let value = body(statement)
            let code = sqlite3_errcode(h.db)
            guard code == SQLITE_OK || code == SQLITE_ROW || code == SQLITE_DONE else {
                throw JunctionError("store_unavailable", "a hot-path read failed: \(String(cString: sqlite3_errmsg(h.db)))")
            }
            return value
        }
    }

    private func prepared(_ sql: String, in h: inout Handle) throws -> OpaquePointer {
        if let statement = h.statements[sql] { return statement }
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(h.db, sql, -1, &statement, nil) == SQLITE_OK, let statement else {
            throw JunctionError("store_unavailable", "cannot prepare a hot-path read: \(String(cString: sqlite3_errmsg(h.db)))")
        }
        h.statements[sql] = statement
        return statement
    }
}
