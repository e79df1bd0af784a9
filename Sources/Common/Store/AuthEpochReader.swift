import Foundation
import GRDBSQLite
import Synchronization

/// Reads the auth epoch (see `AppDatabase+AuthEpoch.swift`) through a SQLite connection of
/// its own, on the caller's thread. Every `/mcp` request reads it; through the database
/// pool each read went to a reader's dispatch queue and back, two thread switches that
/// cost about 0.19 ms on these machines, where this costs a few microseconds. The one
/// prepared statement is run under a lock and reset at once, so no read transaction
/// outlives the call (it would hold back WAL checkpoints) and every read sees the latest
/// commit of any process.
package final class AuthEpochReader: Sendable {
    private struct Handle: @unchecked Sendable {
        var db: OpaquePointer
        var statement: OpaquePointer
    }

    private let handle: Mutex<Handle>

    /// Opens the database at `path`, which must exist and be migrated.
    package init(path: String) throws {
        var db: OpaquePointer?
        // Read-write without CREATE: a read-only connection cannot create the WAL index
        // when it happens to be missing. Only ever SELECTs.
        guard sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nil) == SQLITE_OK, let db else {
            if let db { sqlite3_close(db) }
            throw JunctionError("store_unavailable", "cannot open \(path) to read the auth epoch")
        }
        sqlite3_busy_timeout(db, 10_000)
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(db, "SELECT value FROM auth_epoch WHERE id = 1", -1, &statement, nil) == SQLITE_OK,
              let statement else {
            let message = String(cString: sqlite3_errmsg(db))
            sqlite3_close(db)
            throw JunctionError("store_unavailable", "cannot prepare the auth epoch read: \(message)")
        }
        handle = Mutex(Handle(db: db, statement: statement))
    }

    deinit {
        handle.withLock { h in
            sqlite3_finalize(h.statement)
            sqlite3_close(h.db)
        }
    }

    /// The current auth epoch.
    package func read() throws -> Int64 {
        try handle.withLock { h in
            defer { sqlite3_reset(h.statement) }
            switch sqlite3_step(h.statement) {
            case SQLITE_ROW: return sqlite3_column_int64(h.statement, 0)
            case SQLITE_DONE: return 0
            default:
                throw JunctionError("store_unavailable", "cannot read the auth epoch: \(String(cString: sqlite3_errmsg(h.db)))")
            }
        }
    }
}
