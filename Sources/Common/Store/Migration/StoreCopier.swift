import Foundation
import GRDB
import Logging
import PostgresNIO
import Secrets
import Upstream

/// Moves an installation from its SQLite file to a PostgreSQL database, row for row, so
/// everything keeps working as it was: accounts and password hashes, API tokens, web
/// sessions, OAuth clients and tokens, sources with their sealed secrets, catalogs,
/// execution logs. Nothing is decrypted or re-hashed on the way: sealed secrets are bound
/// to owner, source id and origin (all copied unchanged) and open on PostgreSQL with the
/// same master key, which must therefore be configured there too.
///
/// How (`copy`):
/// - both stores are opened, which applies each one's migrations, so the two schemas are
///   the current ones; the SQLite file is then read from one snapshot;
/// - the tables to copy and their columns come from the databases themselves (SQLite's
///   `sqlite_master` and `PRAGMA table_info`, PostgreSQL's `information_schema`) and must
///   match by name, case-insensitively (PostgreSQL folds the unquoted names); anything
///   left over on either side stops the copy before a row is written;
/// - all of it happens in one PostgreSQL transaction, parents before children (the order
///   follows the target's foreign keys); a target holding any row is refused, and any
///   failure rolls everything back;
/// - values are converted to the column types PostgreSQL declares (`PostgresColumnType`);
///   identity sequences are set past the copied ids; the auth epoch moves past SQLite's;
/// - every table is counted in both databases before the commit.
///
/// Not copied: SQLite's own tables and its full-text index (its two searched texts become
/// `catalog_entries.searchName`/`searchParams`), GRDB's and PostgreSQL's migration
/// records, and `catalog_versions`, which the target's triggers fill as entries arrive.
package struct StoreCopier: Sendable {
    /// The SQLite file to read (never written to, except by its own pending migrations).
    package var sqlitePath: String
    /// The PostgreSQL database to fill.
    package var target: PostgresURL
    /// When given, the copied sealed values are opened with it afterwards and the summary
    /// says how many open (they are never printed or kept).
    package var keyring: Keyring?
    package var logger: Logger
    /// Rows per INSERT statement (fewer when a table has many columns).
    package var batchRows = 500

    package init(sqlitePath: String, target: PostgresURL, keyring: Keyring?, logger: Logger) {
        self.sqlitePath = sqlitePath
        self.target = target
        self.keyring = keyring
        self.logger = logger
    }

    /// Target tables PostgreSQL maintains itself, and why.
    static let derivedTables: [String: String] = [
        "schema_migrations": "PostgreSQL's own migration record",
        "catalog_versions": "rebuilt by PostgreSQL's triggers as the catalog entries arrive",
        "auth_epoch": "one counter, carried past SQLite's value",
    ]

    /// SQLite tables with no counterpart by design, and why.
    static let sqliteOnlyTables: [String: String] = [
        "grdb_migrations": "SQLite's own migration record",
        "catalog_fts": "SQLite's full-text index; its searched texts go to catalog_entries",
        "catalog_versions": "rebuilt by PostgreSQL's triggers as the catalog entries arrive",
        "auth_epoch": "one counter, carried past SQLite's value",
    ]

    /// Target columns filled from another SQLite expression than the column of the same
    /// name: the texts SQLite's FTS5 table holds per entry (`SQLiteStore.replaceCatalog`).
    static let derivedColumns: [String: [String: String]] = [
        "catalog_entries": [
            "searchname": "COALESCE(catalog_fts.callName, catalog_entries.callName)",
            "searchparams": "COALESCE(catalog_fts.params, '')",
        ],
    ]
    static let derivedJoins: [String: String] = [
        "catalog_entries": "LEFT JOIN catalog_fts ON catalog_fts.rowid = catalog_entries.id",
    ]

    /// A key of its own for `pg_advisory_xact_lock`, so two copies into one database run
    /// one after the other (the second then finds the target full and refuses).
    static let lockKey: Int64 = 0x4A55_4E43_434F_5059

    // MARK: The plan

    /// One column to fill: the target's name and type, and the SQLite expression read.
    struct ColumnPlan: Sendable {
        var name: String
        var type: PostgresColumnType
        var source: String
    }

    /// One table to copy.
    struct TablePlan: Sendable {
        var name: String
        var columns: [ColumnPlan]
        /// Columns whose sequence must move past the copied values.
        var sequenced: [String]
        /// `GENERATED ALWAYS AS IDENTITY` columns need `OVERRIDING SYSTEM VALUE`.
        var overridesIdentity: Bool

        /// The SQLite query of one page, after a rowid.
        var selectSQL: String {
            let join = StoreCopier.derivedJoins[name].map { " " + $0 } ?? ""
            return "SELECT \(name).rowid, " + columns.map(\.source).joined(separator: ", ")
                + " FROM \(name)\(join) WHERE \(name).rowid > ? ORDER BY \(name).rowid LIMIT ?"
        }
    }

    /// Copies the whole store; returns the summary, or throws and leaves the target as it
    /// was (a `StoreCopyError`, or `StoreError.unavailable` for a database that cannot be
    /// reached or refuses a statement).
    package func copy(progress: @Sendable (StoreCopySummary.Table) -> Void = { _ in }) async throws -> StoreCopySummary {
        guard FileManager.default.fileExists(atPath: sqlitePath) else { throw StoreCopyError.sourceMissing(path: sqlitePath) }
        let sqlite = try SQLiteStore(path: sqlitePath)
        let snapshot = try sqlite.writer.makeSnapshot()
        let postgres = try await PostgresStore.open(url: target, logger: logger, maximumConnections: 2)
        do {
            let summary = try await copy(from: snapshot, to: postgres, progress: progress)
            await postgres.close()
            return summary
        } catch {
            await postgres.close()
            throw error
        }
    }

    private func copy(from snapshot: DatabaseSnapshot, to postgres: PostgresStore,
                      progress: @Sendable (StoreCopySummary.Table) -> Void) async throws -> StoreCopySummary {
        let sqliteTables = try await snapshot.read { db in try Self.sqliteTables(db) }
        let sqliteEpoch = try await snapshot.read { db in
            try Int64.fetchOne(db, sql: "SELECT value FROM auth_epoch WHERE id = 1") ?? 0
        }
        let keyring = keyring
        let batchRows = batchRows
        let logger = logger
        return try await Self.transaction(postgres) { connection in
            try await connection.rows("SELECT pg_advisory_xact_lock(\(Self.lockKey))", logger: logger)
            let (plans, skipped) = try await Self.plan(sqliteTables: sqliteTables, connection: connection, logger: logger)

            var occupied: [String: Int] = [:]
            for plan in plans {
                let count = try await Self.count(plan.name, connection: connection, logger: logger)
                if count > 0 { occupied[plan.name] = count }
            }
            guard occupied.isEmpty else { throw StoreCopyError.targetNotEmpty(occupied) }

            var tables: [StoreCopySummary.Table] = []
            for plan in plans {
                let copied = try await Self.copyTable(plan, from: snapshot, to: connection, batchRows: batchRows, logger: logger)
                let sourceCount = try await snapshot.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM \(plan.name)") ?? 0 }
                let targetCount = try await Self.count(plan.name, connection: connection, logger: logger)
                guard copied == sourceCount, targetCount == sourceCount else {
                    throw StoreCopyError.countMismatch(table: plan.name, source: sourceCount, target: targetCount)
                }
                for column in plan.sequenced {
                    try await connection.rows(PostgresQuery(unsafeSQL: """
                        SELECT setval(pg_get_serial_sequence('\(plan.name)', '\(column)'), COALESCE(max(\(column)), 0) + 1, false)
                        FROM \(plan.name)
                        """), logger: logger)
                }
                let table = StoreCopySummary.Table(name: plan.name, rows: sourceCount)
                tables.append(table)
                progress(table)
            }
            // A process that cached an answer at some epoch must never match again.
            try await connection.rows("UPDATE auth_epoch SET value = GREATEST(value, \(sqliteEpoch)) + 1 WHERE id = 1", logger: logger)
            var sealed: StoreCopySummary.SealedCheck?
            if let keyring { sealed = try await Self.checkSealed(SecretBox(keyring: keyring), connection: connection, logger: logger) }
            return StoreCopySummary(tables: tables, skipped: skipped, sealed: sealed)
        }
    }

    /// `body` in one transaction of `postgres`: the copy's own errors and the store's pass
    /// through as they are, driver errors become `StoreError.unavailable`.
    static func transaction<T: Sendable>(_ postgres: PostgresStore,
                                         _ body: @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        do {
            return try await postgres.client.withConnection { connection in
                try await PostgresStore.transaction(on: connection, logger: postgres.logger, body)
            }
        } catch let error as StoreCopyError {
            throw error
        } catch {
            throw PostgresStore.storeError(error)
        }
    }

    // MARK: Schemas

    /// SQLite's tables (FTS5 shadow tables and `sqlite_*` left out) and their columns.
    static func sqliteTables(_ db: Database) throws -> [String: [String]] {
        var tables: [String: [String]] = [:]
        let names = try String.fetchAll(db, sql: """
            SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'
            AND name NOT LIKE 'catalog\\_fts\\_%' ESCAPE '\\'
            """)
        for name in names {
            tables[name] = try Row.fetchAll(db, sql: "SELECT name FROM pragma_table_info(?)", arguments: [name]).map { $0[0] }
        }
        return tables
    }

    /// Matches the two schemas and orders the target's tables parents first.
    static func plan(sqliteTables: [String: [String]], connection: PostgresConnection,
                     logger: Logger) async throws -> ([TablePlan], [(name: String, reason: String)]) {
        struct TargetColumn { var name, dataType: String; var nullable, hasDefault, identity, alwaysIdentity, serial: Bool }
        var target: [String: [TargetColumn]] = [:]
        for row in try await connection.rows("""
            SELECT table_name::text, column_name::text, data_type::text, is_nullable = 'YES', column_default IS NOT NULL,
                   is_identity = 'YES', COALESCE(identity_generation = 'ALWAYS', false), COALESCE(column_default LIKE 'nextval(%', false)
            FROM information_schema.columns
            WHERE table_schema = current_schema()
            ORDER BY table_name, ordinal_position
            """, logger: logger) {
            let (table, name, type, nullable, hasDefault, identity, always, serial) =
                try row.decode((String, String, String, Bool, Bool, Bool, Bool, Bool).self)
            target[table, default: []].append(TargetColumn(name: name, dataType: type, nullable: nullable, hasDefault: hasDefault,
                                                          identity: identity, alwaysIdentity: always, serial: serial))
        }
        var parents: [String: Set<String>] = [:]
        for row in try await connection.rows("""
            SELECT conrelid::regclass::text, confrelid::regclass::text FROM pg_constraint
            WHERE contype = 'f' AND connamespace = current_schema()::regnamespace
            """, logger: logger) {
            let (child, parent) = try row.decode((String, String).self)
            if child != parent { parents[child, default: []].insert(parent) }
        }

        var skipped: [(name: String, reason: String)] = []
        var problems: [String] = []
        let sqliteByLower = Dictionary(sqliteTables.map { ($0.key.lowercased(), $0) }, uniquingKeysWith: { a, _ in a })
        var plans: [String: TablePlan] = [:]
        for (table, columns) in target.sorted(by: { $0.key < $1.key }) {
            if let reason = derivedTables[table] {
                skipped.append((table, reason))
                continue
            }
            guard let (sqliteName, sqliteColumns) = sqliteByLower[table] else {
                problems.append("PostgreSQL table \(table) is not in SQLite")
                continue
            }
            let derived = derivedColumns[table] ?? [:]
            var byLower: [String: String] = [:]
            for column in sqliteColumns { byLower[column.lowercased()] = column }
            var plan = TablePlan(name: sqliteName, columns: [], sequenced: [], overridesIdentity: false)
            for column in columns {
                guard let type = PostgresColumnType(dataType: column.dataType) else {
                    problems.append("\(table).\(column.name) has the type \(column.dataType), which the copy does not convert to")
                    continue
                }
                if let expression = derived[column.name] {
                    plan.columns.append(ColumnPlan(name: column.name, type: type, source: expression))
                } else if let sqliteColumn = byLower.removeValue(forKey: column.name) {
                    plan.columns.append(ColumnPlan(name: column.name, type: type, source: "\(sqliteName).\(sqliteColumn)"))
                } else if !(column.nullable || column.hasDefault) {
                    problems.append("PostgreSQL column \(table).\(column.name) is required and not in SQLite")
                    continue
                } else {
                    continue
                }
                if column.identity || column.serial { plan.sequenced.append(column.name) }
                if column.alwaysIdentity { plan.overridesIdentity = true }
            }
            for leftover in byLower.values.sorted() {
                problems.append("SQLite column \(sqliteName).\(leftover) has no PostgreSQL column")
            }
            plans[table] = plan
        }
        for name in sqliteTables.keys.sorted() where target[name.lowercased()] == nil {
            if let reason = sqliteOnlyTables[name] {
                if derivedTables[name] == nil { skipped.append((name, reason)) }
            } else {
                problems.append("SQLite table \(name) is not in PostgreSQL")
            }
        }
        guard problems.isEmpty else { throw StoreCopyError.schemaMismatch(problems.joined(separator: "; ")) }

        // Parents first; among tables whose parents are all placed, by name (a stable order).
        var ordered: [TablePlan] = []
        var placed = Set<String>()
        while placed.count < plans.count {
            let ready = plans.keys.filter { !placed.contains($0) && (parents[$0] ?? []).subtracting(placed).intersection(plans.keys).isEmpty }
            guard let next = ready.min() else {
                throw StoreCopyError.schemaMismatch("the foreign keys of \(Set(plans.keys).subtracting(placed).sorted()) form a cycle")
            }
            placed.insert(next)
            ordered.append(plans[next]!)
        }
        return (ordered, skipped)
    }

    // MARK: Rows

    static func count(_ table: String, connection: PostgresConnection, logger: Logger) async throws -> Int {
        let rows = try await connection.rows(PostgresQuery(unsafeSQL: "SELECT count(*) FROM \(table)"), logger: logger)
        return try rows.first.map { try $0.decode(Int.self) } ?? 0
    }

    /// Copies one table page by page (keyset on SQLite's rowid); returns the rows read.
    static func copyTable(_ plan: TablePlan, from snapshot: DatabaseSnapshot, to connection: PostgresConnection,
                          batchRows: Int, logger: Logger) async throws -> Int {
        // PostgreSQL takes at most 65535 parameters per statement.
        let pageSize = max(1, min(batchRows, 30_000 / max(1, plan.columns.count)))
        let select = plan.selectSQL
        var after = Int64.min
        var copied = 0
        while true {
            let start = after
            let page: [(rowid: Int64, values: [DatabaseValue])] = try await snapshot.read { db in
                try Row.fetchAll(db, sql: select, arguments: [start, pageSize]).map { row in
                    (row[0], (1...plan.columns.count).map { row[$0] as DatabaseValue })
                }
            }
            guard let last = page.last else { return copied }
            var bindings = PostgresBindings(capacity: page.count * plan.columns.count)
            var tuples: [String] = []
            tuples.reserveCapacity(page.count)
            for (offset, row) in page.enumerated() {
                var placeholders: [String] = []
                for (column, value) in zip(plan.columns, row.values) {
                    guard try column.type.bind(value, into: &bindings) else {
                        throw StoreCopyError.badValue(table: plan.name, column: column.name, row: copied + offset + 1,
                                                      expected: column.type.expected)
                    }
                    placeholders.append("$\(bindings.count)::\(column.type.sqlName)")
                }
                tuples.append("(" + placeholders.joined(separator: ", ") + ")")
            }
            let sql = "INSERT INTO \(plan.name) (" + plan.columns.map(\.name).joined(separator: ", ") + ")"
                + (plan.overridesIdentity ? " OVERRIDING SYSTEM VALUE" : "") + " VALUES " + tuples.joined(separator: ", ")
            try await connection.rows(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger)
            copied += page.count
            after = last.rowid
        }
    }

    // MARK: Sealed values

    /// Opens every copied source secret and upstream OAuth grant with `box` (bound to owner,
    /// source and, for secrets, origin: all copied as they were), counting what opens.
    static func checkSealed(_ box: SecretBox, connection: PostgresConnection, logger: Logger) async throws -> StoreCopySummary.SealedCheck {
        var check = StoreCopySummary.SealedCheck(total: 0, opened: 0)
        for row in try await connection.rows(
            "SELECT owner, id, secretSealed, secretOrigin, stdioServer FROM sources WHERE secretSealed IS NOT NULL", logger: logger) {
            let (owner, id, sealed, origin, server) = try row.decode((String, String, String, String?, String?).self)
            check.total += 1
            let contexts = [origin.flatMap(Origin.init(string:)).map { SQLiteStore.sourceSecretContext(owner: owner, sourceID: id, origin: $0) },
                            server.map { SecretBinding.stdioSecretsContext(owner: owner, sourceID: id, server: $0) },
                            SecretBox.sourceContext(owner: owner, sourceID: id)].compactMap { $0 }
            if contexts.contains(where: { (try? box.open(sealed, context: $0)) != nil }) { check.opened += 1 }
        }
        for row in try await connection.rows("SELECT owner, sourceId, grantSealed FROM source_oauth", logger: logger) {
            let (owner, id, sealed) = try row.decode((String, String, String).self)
            check.total += 1
            if (try? box.open(sealed, context: SQLiteStore.oauthContext(owner: owner, sourceID: id))) != nil { check.opened += 1 }
        }
        return check
    }
}
