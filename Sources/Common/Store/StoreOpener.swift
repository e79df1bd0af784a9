import Foundation
import Logging

/// Opens the store a process is configured for: PostgreSQL when `JUNCTION_DATABASE_URL`
/// is set (nothing is written to the local disk), else the SQLite file. Every executable
/// opens its store here, so the choice is made in one place. Only the redacted URL is
/// ever logged.
package enum StoreOpener {
    /// The PostgreSQL store at `databaseURL`, or the SQLite file at `sqlitePath` when it is nil.
    package static func open(databaseURL: String?, sqlitePath: String, logger: Logger) async throws -> any JunctionStore {
        if let databaseURL {
            let url = try PostgresURL(databaseURL)
            let store = try await PostgresStore.open(url: url, logger: logger)
            logger.info("store: PostgreSQL", metadata: ["database": "\(url)"])
            if url.isExposedToInterception {
                // libpq's default (prefer) is kept for compatibility; say what it costs.
                logger.warning("JUNCTION_DATABASE_URL does not verify the server (sslmode=\(url.sslMode.rawValue)): across a network use sslmode=verify-full with sslrootcert",
                               metadata: ["host": "\(url.host)"])
            }
            return store
        }
        let store = try SQLiteStore(path: sqlitePath)
        logger.info("store: SQLite", metadata: ["path": "\(sqlitePath)"])
        return store
    }
}
