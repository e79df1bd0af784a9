import Foundation
import GRDB
#if canImport(Glibc)
import Glibc
import JunctionCore
#endif

/// Junction's store: one SQLite file in WAL mode, shared by every process on the host.
/// Migrations run when it opens. Every method that reads or writes user data takes the
/// owner and scopes its query by it.
package final class SQLiteStore: Sendable {
    package let writer: DatabasePool
    /// In-memory catalog search indexes of this process (see `searchCatalog`).
    package let catalogIndexes = CatalogIndexCache()
    /// The connection of the small reads on every request's path (see `HotPathReader`).
    package let hotPath: HotPathReader

    /// Opens (creating when needed) the database at `path` and migrates it.
    package init(path: String) throws {
        let dir = (path as NSString).deletingLastPathComponent
        if !dir.isEmpty { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        var config = Configuration()
        // Several processes write the same file; wait for each other's locks.
        config.busyMode = .timeout(10)
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA foreign_keys = ON")
            // In WAL mode NORMAL never corrupts the file and survives process crashes; it
            // skips the fsync per commit (an execution log row per run) that FULL pays.
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        // Frontend, workers and refreshers open the same file at once; a file lock makes
        // one of them migrate while the others wait and then find nothing left to do. It
        // covers the open too: a new file's switch to WAL can answer "database is locked"
        // at once to a second opener, without waiting out the busy timeout.
        let lock = open(path + ".migrate-lock", O_CREAT | O_RDWR, 0o600)
        guard lock >= 0 else { throw StoreError.unavailable("cannot open \(path).migrate-lock") }
        defer { close(lock) }
        flock(lock, LOCK_EX)
        defer { flock(lock, LOCK_UN) }
        writer = try DatabasePool(path: path, configuration: config)
        try Self.migrator.migrate(writer)
        hotPath = try HotPathReader(path: path)
    }

    package static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.create(table: "users") { t in
                t.primaryKey("id", .text)
                t.column("email", .text).notNull().unique(onConflict: .abort).collate(.nocase)
                t.column("isAdmin", .boolean).notNull().defaults(to: false)
                t.column("disabled", .boolean).notNull().defaults(to: false)
                t.column("createdAt", .datetime).notNull()
            }
            try db.create(table: "api_tokens") { t in
                t.primaryKey("id", .text)
                t.column("owner", .text).notNull().indexed().references("users", onDelete: .cascade)
                t.column("name", .text).notNull()
                t.column("tokenHash", .text).notNull().unique()
                t.column("createdAt", .datetime).notNull()
                t.column("lastUsedAt", .datetime)
                t.column("revokedAt", .datetime)
            }
            try db.create(table: "sources") { t in
                t.primaryKey("id", .text)
                t.column("owner", .text).notNull().references("users", onDelete: .cascade)
                t.column("slug", .text).notNull()
                t.column("type", .text).notNull()
                t.column("name", .text).notNull()
                t.column("baseUrl", .text)
                t.column("specUrl", .text)
                t.column("authType", .text).notNull().defaults(to: "none")
                t.column("authHeaderName", .text)
                t.column("secretSealed", .text)
                t.column("enabled", .boolean).notNull().defaults(to: true)
                t.column("status", .text).notNull().defaults(to: SourceStatus.pending.rawValue)
                t.column("entryCount", .integer).notNull().defaults(to: 0)
                t.column("lastRefreshAt", .datetime)
                t.column("lastError", .text)
                t.column("createdAt", .datetime).notNull()
                t.column("updatedAt", .datetime).notNull()
                t.uniqueKey(["owner", "slug"])
            }
            try db.create(table: "catalog_entries") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("owner", .text).notNull().references("users", onDelete: .cascade)
                t.column("sourceId", .text).notNull().indexed().references("sources", onDelete: .cascade)
                t.column("callName", .text).notNull()
                t.column("operationKey", .text).notNull()
                t.column("kind", .text).notNull()
                t.column("title", .text).notNull()
                t.column("description", .text).notNull()
                t.column("tags", .text).notNull()
                t.column("method", .text)
                t.column("path", .text)
                t.column("deprecated", .boolean).notNull().defaults(to: false)
                t.column("inputSchema", .text).notNull()
                t.column("outputSchema", .text)
                t.column("details", .text).notNull()
                t.uniqueKey(["owner", "callName"])
                t.uniqueKey(["sourceId", "operationKey"])
            }
            // Full-text index over what a model searches by; rowid = catalog_entries.id.
            try db.execute(sql: """
                CREATE VIRTUAL TABLE catalog_fts USING fts5(
                    callName, title, description, tags, params,
                    tokenize = "unicode61 remove_diacritics 2 separators '_'"
                )
                """)
            try db.create(table: "executions") { t in
                t.primaryKey("id", .text)
                t.column("owner", .text).notNull().references("users", onDelete: .cascade)
                t.column("tool", .text).notNull()
                t.column("code", .text).notNull()
                t.column("status", .text).notNull()
                t.column("durationMs", .integer).notNull()
                t.column("calls", .text).notNull()
                t.column("resultPreview", .text)
                t.column("error", .text)
                t.column("createdAt", .datetime).notNull()
            }
            try db.create(index: "executions_owner_created", on: "executions", columns: ["owner", "createdAt"])
        }
        migrator.registerMigration("v2-declarations-and-specs") { db in
            try db.alter(table: "catalog_entries") { t in
                t.add(column: "signature", .text).notNull().defaults(to: "")
                t.add(column: "declaration", .text).notNull().defaults(to: "")
            }
            // Each OpenAPI source's document with paths prefixed and components renamed,
            // computed at refresh so `codemode.spec()` never fetches anything.
            try db.create(table: "source_specs") { t in
                t.column("sourceId", .text).primaryKey().references("sources", onDelete: .cascade)
                t.column("owner", .text).notNull().references("users", onDelete: .cascade)
                t.column("document", .text).notNull()
            }
        }
        migrator.registerMigration("v3-mcp-sources") { db in try migrateMCPSources(db) }
        migrator.registerMigration("v4-auth") { db in try migrateAuth(db) }
        migrator.registerMigration("catalog-versions") { db in try migrateCatalogVersions(db) }
        migrator.registerMigration("source-oauth") { db in try migrateSourceOAuth(db) }
        migrator.registerMigration("auth-epoch") { db in try migrateAuthEpoch(db) }
        migrator.registerMigration("source-secret-origin") { db in try migrateSecretOrigins(db) }
        migrator.registerMigration("oauth-client-expiry") { db in try migrateOAuthClientExpiry(db) }
        migrator.registerMigration("user-identities") { db in try migrateUserIdentities(db) }
        migrator.registerMigration("call-names-with-slug-repeated") { db in try migrateCallNamesWithSlugRepeated(db) }
        migrator.registerMigration("stdio-sources") { db in
            try db.alter(table: "sources") { t in t.add(column: "stdioServer", .text) }
        }
        return migrator
    }
}

/// The SQLite store's methods are synchronous underneath: each runs on the calling task's
/// thread (through GRDB's pool, or `HotPathReader` for the per-request reads), which a
/// synchronous method may do when it satisfies an `async` requirement. Hopping to GRDB's
/// dispatch queues with its async `read`/`write` would add two thread switches per call
/// (about 0.19 ms here) on the paths that run per request and per search call.
extension SQLiteStore: JunctionStore {}
