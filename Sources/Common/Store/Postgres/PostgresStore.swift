import Foundation
import Logging
import PostgresNIO
import Synchronization

/// Junction's store in PostgreSQL, for installations of several hosts: every frontend,
/// worker and refresher opens the same database (`JUNCTION_DATABASE_URL`) and keeps
/// nothing on its own disk. Same contract as `SQLiteStore` (`JunctionStore`), same
/// owner scoping; the schema and how it mirrors SQLite's are in `PostgresMigrations`.
///
/// A pool of connections (`PostgresClient`) whose `run()` this object drives in a task of
/// its own from `open` until `close`. Every method is `async`: a query is a round trip.
package final class PostgresStore: Sendable {
    /// The server and database (its `description` is redacted).
    package let url: PostgresURL
    let client: PostgresClient
    let logger: Logger
    private let runTask: Task<Void, Never>
    /// In-memory catalog search indexes of this process, keyed by `catalog_versions`.
    package let catalogIndexes = CatalogIndexCache()
    /// Each owner's enabled sources as last read, current while `changes` says so.
    let catalogScopes = PostgresCatalogScopes()
    /// Change notifications from every host: what keeps the caches above and the auth
    /// epoch current without a round trip per request.
    package let changes: PostgresChangeFeed
    /// Round trips made for the auth epoch and for catalog search scopes (the reads the
    /// change feed exists to save), for tests and benchmarks.
    package let hotPathReads = Atomic<Int>(0)

    private init(url: PostgresURL, client: PostgresClient, changes: PostgresChangeFeed, logger: Logger) {
        self.url = url
        self.client = client
        self.changes = changes
        self.logger = logger
        runTask = Task { await client.run() }
        changes.start()
    }

    deinit { runTask.cancel() }

    /// Connects to the database `url` names and applies the migrations it lacks (one
    /// process at a time, see `PostgresMigrations`). The migrations run on a connection of
    /// their own made first, so an unreachable server or a refused login fails at once
    /// (the pool would retry in the background) with the redacted URL in the message.
    package static func open(url: PostgresURL, logger: Logger, maximumConnections: Int = 20) async throws -> PostgresStore {
        do {
            let connection = try await PostgresConnection.connect(configuration: try url.connectionConfiguration(), id: 0, logger: logger)
            do {
                let applied = try await PostgresMigrations.migrate(connection, logger: logger)
                if !applied.isEmpty { logger.info("applied PostgreSQL migrations", metadata: ["versions": "\(applied)", "database": "\(url)"]) }
                try await connection.close()
            } catch {
                try? await connection.close()
                throw error
            }
        } catch {
            throw StoreError.unavailable("cannot open the PostgreSQL store at \(url): \(Self.describe(error))")
        }
        var configuration = try url.clientConfiguration()
        configuration.options.maximumConnections = max(1, maximumConnections)
        return PostgresStore(url: url, client: PostgresClient(configuration: configuration, backgroundLogger: logger),
                             changes: try PostgresChangeFeed(url: url, logger: logger), logger: logger)
    }

    /// Closes every connection; the store answers nothing afterwards.
    package func close() async {
        await changes.stop()
        runTask.cancel()
        await runTask.value
    }

    // MARK: Queries

    /// Runs `query` on a pooled connection and returns every row. Anything but a `SELECT`
    /// voids this process's cached answers (`PostgresChangeFeed`) once it has run, unless
    /// `voidsCaches` says it cannot change them (the execution log, "last used" times).
    @discardableResult
    func rows(_ query: PostgresQuery, voidsCaches: Bool? = nil, file: String = #fileID, line: Int = #line) async throws -> [PostgresRow] {
        // Even when the statement fails: it may have committed before its answer was lost.
        defer { if voidsCaches ?? !Self.isSelect(query.sql) { changes.withState { $0.localWrite() } } }
        do {
            return try await client.query(query, logger: logger, file: file, line: line).collect()
        } catch {
            throw Self.storeError(error)
        }
    }

    /// Runs `body` in one transaction on one connection: committed when it returns,
    /// rolled back when it throws (its error is rethrown as it was). Unless the
    /// transaction is `READ ONLY`, it voids this process's cached answers afterwards.
    func withTransaction<T: Sendable>(isolation level: String? = nil,
                                      _ body: @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        defer { if !(level?.hasSuffix("READ ONLY") ?? false) { changes.withState { $0.localWrite() } } }
        do {
            return try await client.withConnection { connection in
                try await Self.transaction(on: connection, logger: logger, isolation: level, body)
            }
        } catch let error as StoreError {
            throw error
        } catch {
            throw Self.storeError(error)
        }
    }

    /// Whether `sql` is a plain `SELECT` (reads only; `SELECT … FOR UPDATE` runs inside
    /// transactions, which void the caches on their own).
    static func isSelect(_ sql: String) -> Bool {
        sql.drop(while: \.isWhitespace).prefix(6).uppercased() == "SELECT"
    }

    /// BEGIN, `body`, COMMIT; ROLLBACK and the original error when anything throws.
    static func transaction<T: Sendable>(on connection: PostgresConnection, logger: Logger, isolation level: String? = nil,
                                         _ body: @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        try await connection.query(PostgresQuery(unsafeSQL: level.map { "BEGIN ISOLATION LEVEL \($0)" } ?? "BEGIN"), logger: logger).collect()
        do {
            let value = try await body(connection)
            try await connection.query("COMMIT", logger: logger).collect()
            return value
        } catch {
            _ = try? await connection.query("ROLLBACK", logger: logger).collect()
            throw error
        }
    }

    // MARK: Errors

    /// A driver error as the store's `unavailable`, described without query values.
    static func storeError(_ error: any Error) -> any Error {
        if error is StoreError || error is CancellationError { return error }
        return StoreError.unavailable("PostgreSQL: \(describe(error))")
    }

    /// The SQLSTATE of a server error (`23505`: unique violation), if it is one.
    static func sqlState(_ error: any Error) -> String? {
        (error as? PSQLError)?.serverInfo?[.sqlState]
    }

    /// What went wrong, for the log: the server's SQLSTATE and message, or the driver's
    /// error code and underlying cause. Never the query's bound values.
    static func describe(_ error: any Error) -> String {
        guard let error = error as? PSQLError else {
            if let store = error as? StoreError { return store.message }
            return String(describing: error)
        }
        if let info = error.serverInfo {
            return [info[.severity], info[.sqlState], info[.message]].compactMap { $0 }.joined(separator: " ")
        }
        return [error.code.description, error.underlying.map { String(describing: $0) }].compactMap { $0 }.joined(separator: ": ")
    }
}

extension PostgresConnection {
    /// Runs `query` in the connection's current transaction and returns every row; driver
    /// errors become `StoreError.unavailable`.
    @discardableResult
    func rows(_ query: PostgresQuery, logger: Logger, file: String = #fileID, line: Int = #line) async throws -> [PostgresRow] {
        do {
            return try await self.query(query, logger: logger, file: file, line: line).collect()
        } catch {
            throw PostgresStore.storeError(error)
        }
    }
}

/// Every method is `async` and does its own round trips; parameters and results are the
/// same plain values `SQLiteStore` takes and returns.
extension PostgresStore: JunctionStore {}
