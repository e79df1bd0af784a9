import Foundation
import Logging
import PostgresNIO

/// The PostgreSQL schema, as numbered migrations recorded in `schema_migrations`.
///
/// Every process that opens the store calls `migrate`: it takes a transaction-scoped
/// advisory lock (`pg_advisory_xact_lock`) first, so of several frontends, workers and
/// refreshers starting at once one applies what is missing while the others wait, then
/// find nothing left to do. The lock and the migrations share one transaction, so a
/// process killed half-way leaves neither a held lock nor half a schema (PostgreSQL's DDL
/// is transactional).
///
/// How the schema mirrors SQLite's (`SQLiteStore.migrator`), so queries read alike:
/// - Tables and columns carry SQLite's names, unquoted. PostgreSQL folds unquoted names to
///   lower case (`createdAt` is stored as `createdat`), which is harmless as long as no
///   query quotes them: never write `"createdAt"`. Rows are decoded by position.
/// - Text that is ordered or range-compared (emails, slugs, call names, operation keys,
///   execution ids) is `COLLATE "C"`: byte order, like SQLite's BINARY, whatever the
///   database's locale. The prefix scan of `enabledCallNames(owner:prefix:)` relies on it.
/// - Times are `timestamptz`, flags `boolean`, counters `bigint`.
/// - Catalog search: no full-text index in PostgreSQL. SQLite's FTS5 table only feeds the
///   in-memory `CatalogSearchIndex` (which does the ranking); here `catalog_entries` keeps
///   the two searched texts FTS5 held and the row does not (`searchName`: call name plus
///   the name hint's words; `searchParams`: parameter names, method, path words), and each
///   process builds the index from rows, cached per owner by `catalog_versions.version`.
///   Statement-level triggers bump that version in the transaction that changes the
///   owner's entries, so a process notices changes made by any other host. Since version
///   2 they also notify every listening process (`PostgresChangeFeed`), as do changes to
///   sources and the auth epoch's triggers, so a process need not ask on every request.
/// - The auth epoch has the same triggers as SQLite's (`SQLiteStore+AuthEpoch.swift`).
package enum PostgresMigrations {
    /// One step of the schema: statements applied in order, in the migration transaction.
    package struct Migration: Sendable {
        package var version: Int
        package var name: String
        package var statements: [String]
    }

    /// "JUNCTION" as a 64-bit key: the advisory lock the migrating process holds.
    static let lockKey: Int64 = 0x4A55_4E43_5449_4F4E

    /// Every migration, oldest first. Append only: a released migration never changes.
    package static let all: [Migration] = [
        Migration(version: 1, name: "schema", statements: schema),
        Migration(version: 2, name: "change notifications", statements: changeNotifications),
        Migration(version: 3, name: "stdio-sources", statements: ["ALTER TABLE sources ADD COLUMN stdioServer text"]),
    ]

    /// Applies the migrations not applied yet, under the advisory lock; returns the
    /// versions this call applied (empty when another process had done it).
    @discardableResult
    package static func migrate(_ connection: PostgresConnection, logger: Logger) async throws -> [Int] {
        do {
            return try await PostgresStore.transaction(on: connection, logger: logger) { connection in
                try await connection.query("SELECT pg_advisory_xact_lock(\(lockKey))", logger: logger).collect()
                try await connection.query("""
                    CREATE TABLE IF NOT EXISTS schema_migrations (
                        version integer PRIMARY KEY, name text NOT NULL, appliedAt timestamptz NOT NULL DEFAULT now())
                    """, logger: logger).collect()
                var applied = Set<Int>()
                for try await version in try await connection.query("SELECT version FROM schema_migrations", logger: logger).decode(Int.self) {
                    applied.insert(version)
                }
                var done: [Int] = []
                for migration in all where !applied.contains(migration.version) {
                    for statement in migration.statements {
                        try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger).collect()
                    }
                    try await connection.query("INSERT INTO schema_migrations (version, name) VALUES (\(migration.version), \(migration.name))",
                                               logger: logger).collect()
                    done.append(migration.version)
                }
                return done
            }
        } catch {
            throw PostgresStore.storeError(error)
        }
    }

    // MARK: Version 1: everything SQLite's migrations built, as of their last one.

    private static let schema: [String] = [
        """
        CREATE TABLE users (
            id text PRIMARY KEY,
            email text COLLATE "C" NOT NULL UNIQUE,
            isAdmin boolean NOT NULL DEFAULT false,
            disabled boolean NOT NULL DEFAULT false,
            createdAt timestamptz NOT NULL
        )
        """,
        """
        CREATE TABLE api_tokens (
            id text PRIMARY KEY,
            owner text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            name text NOT NULL,
            tokenHash text NOT NULL UNIQUE,
            createdAt timestamptz NOT NULL,
            lastUsedAt timestamptz,
            revokedAt timestamptz
        )
        """,
        "CREATE INDEX api_tokens_owner ON api_tokens (owner)",
        """
        CREATE TABLE sources (
            id text PRIMARY KEY,
            owner text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            slug text COLLATE "C" NOT NULL,
            type text NOT NULL,
            name text NOT NULL,
            baseUrl text,
            specUrl text,
            authType text NOT NULL DEFAULT 'none',
            authHeaderName text,
            secretSealed text,
            enabled boolean NOT NULL DEFAULT true,
            status text NOT NULL DEFAULT 'pending',
            entryCount integer NOT NULL DEFAULT 0,
            lastRefreshAt timestamptz,
            lastError text,
            createdAt timestamptz NOT NULL,
            updatedAt timestamptz NOT NULL,
            secretOrigin text,
            UNIQUE (owner, slug)
        )
        """,
        """
        CREATE TABLE catalog_entries (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            owner text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            sourceId text NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
            callName text COLLATE "C" NOT NULL,
            operationKey text COLLATE "C" NOT NULL,
            kind text NOT NULL,
            title text NOT NULL,
            description text NOT NULL,
            tags text NOT NULL,
            method text,
            path text,
            deprecated boolean NOT NULL DEFAULT false,
            inputSchema text NOT NULL,
            outputSchema text,
            details text NOT NULL,
            signature text NOT NULL DEFAULT '',
            declaration text NOT NULL DEFAULT '',
            searchName text NOT NULL DEFAULT '',
            searchParams text NOT NULL DEFAULT '',
            UNIQUE (owner, callName),
            UNIQUE (sourceId, operationKey)
        )
        """,
        """
        CREATE TABLE source_specs (
            sourceId text PRIMARY KEY REFERENCES sources(id) ON DELETE CASCADE,
            owner text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            document text NOT NULL
        )
        """,
        """
        CREATE TABLE call_names_with_slug_repeated (
            sourceId text PRIMARY KEY REFERENCES sources(id) ON DELETE CASCADE
        )
        """,
        """
        CREATE TABLE mcp_source_state (
            sourceId text PRIMARY KEY REFERENCES sources(id) ON DELETE CASCADE,
            owner text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            transport text NOT NULL,
            protocolVersion text NOT NULL,
            serverName text,
            serverVersion text,
            updatedAt timestamptz NOT NULL
        )
        """,
        """
        CREATE TABLE source_oauth (
            sourceId text PRIMARY KEY REFERENCES sources(id) ON DELETE CASCADE,
            owner text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            grantSealed text NOT NULL,
            expiresAt timestamptz,
            refreshable boolean NOT NULL,
            needsSignIn boolean NOT NULL DEFAULT false,
            updatedAt timestamptz NOT NULL
        )
        """,
        "CREATE INDEX source_oauth_expiry ON source_oauth (needsSignIn, expiresAt)",
        """
        CREATE TABLE executions (
            id text COLLATE "C" PRIMARY KEY,
            owner text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            tool text NOT NULL,
            code text NOT NULL,
            status text NOT NULL,
            durationMs integer NOT NULL,
            calls text NOT NULL,
            resultPreview text,
            error text,
            createdAt timestamptz NOT NULL
        )
        """,
        "CREATE INDEX executions_owner_created ON executions (owner, createdAt, id)",
        """
        CREATE TABLE web_sessions (
            id text PRIMARY KEY,
            userId text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            tokenHash text NOT NULL UNIQUE,
            createdAt timestamptz NOT NULL,
            expiresAt timestamptz NOT NULL
        )
        """,
        "CREATE INDEX web_sessions_user ON web_sessions (userId)",
        """
        CREATE TABLE password_credentials (
            userId text PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
            passwordHash text NOT NULL,
            updatedAt timestamptz NOT NULL
        )
        """,
        """
        CREATE TABLE allowlist (
            id text PRIMARY KEY,
            kind text COLLATE "C" NOT NULL,
            value text COLLATE "C" NOT NULL,
            createdAt timestamptz NOT NULL,
            UNIQUE (kind, value)
        )
        """,
        """
        CREATE TABLE oauth_clients (
            id text PRIMARY KEY,
            kind text NOT NULL,
            name text NOT NULL,
            redirectUris text NOT NULL,
            metadata text NOT NULL,
            registrationTokenHash text,
            createdAt timestamptz NOT NULL,
            refreshAfter timestamptz,
            firstUsedAt timestamptz
        )
        """,
        "CREATE INDEX oauth_clients_kind_used_created ON oauth_clients (kind, firstUsedAt, createdAt)",
        """
        CREATE TABLE oauth_consents (
            userId text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            clientId text NOT NULL,
            scope text NOT NULL,
            createdAt timestamptz NOT NULL,
            PRIMARY KEY (userId, clientId)
        )
        """,
        """
        CREATE TABLE oauth_codes (
            codeHash text PRIMARY KEY,
            clientId text NOT NULL,
            userId text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            redirectUri text NOT NULL,
            codeChallenge text NOT NULL,
            scope text NOT NULL,
            resource text NOT NULL,
            familyId text NOT NULL,
            expiresAt timestamptz NOT NULL,
            usedAt timestamptz
        )
        """,
        """
        CREATE TABLE oauth_tokens (
            id text PRIMARY KEY,
            tokenHash text NOT NULL UNIQUE,
            kind text NOT NULL,
            familyId text NOT NULL,
            clientId text NOT NULL,
            userId text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            scope text NOT NULL,
            resource text NOT NULL,
            createdAt timestamptz NOT NULL,
            expiresAt timestamptz NOT NULL,
            usedAt timestamptz,
            revokedAt timestamptz
        )
        """,
        "CREATE INDEX oauth_tokens_family ON oauth_tokens (familyId)",
        "CREATE INDEX oauth_tokens_user ON oauth_tokens (userId)",
        """
        CREATE TABLE oidc_login_states (
            stateHash text PRIMARY KEY,
            nonce text NOT NULL,
            codeVerifier text NOT NULL,
            next text NOT NULL,
            expiresAt timestamptz NOT NULL
        )
        """,
        """
        CREATE TABLE user_identities (
            issuer text NOT NULL,
            subject text NOT NULL,
            userId text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            email text,
            createdAt timestamptz NOT NULL,
            lastSignInAt timestamptz NOT NULL,
            PRIMARY KEY (issuer, subject),
            UNIQUE (userId, issuer)
        )
        """,

        // The auth epoch (see `SQLiteStore+AuthEpoch.swift`): bumped by triggers in the
        // transaction of any change that can make a valid bearer token invalid.
        "CREATE TABLE auth_epoch (id integer PRIMARY KEY CHECK (id = 1), value bigint NOT NULL)",
        "INSERT INTO auth_epoch (id, value) VALUES (1, 0)",
        """
        CREATE FUNCTION junction_bump_auth_epoch() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            UPDATE auth_epoch SET value = value + 1 WHERE id = 1;
            RETURN NULL;
        END
        $$
        """,
        "CREATE TRIGGER auth_epoch_users_update AFTER UPDATE ON users FOR EACH ROW EXECUTE FUNCTION junction_bump_auth_epoch()",
        "CREATE TRIGGER auth_epoch_users_delete AFTER DELETE ON users FOR EACH ROW EXECUTE FUNCTION junction_bump_auth_epoch()",
        """
        CREATE TRIGGER auth_epoch_api_tokens_update AFTER UPDATE OF revokedAt, tokenHash, owner ON api_tokens FOR EACH ROW
        WHEN (OLD.revokedAt IS DISTINCT FROM NEW.revokedAt OR OLD.tokenHash IS DISTINCT FROM NEW.tokenHash
              OR OLD.owner IS DISTINCT FROM NEW.owner)
        EXECUTE FUNCTION junction_bump_auth_epoch()
        """,
        "CREATE TRIGGER auth_epoch_api_tokens_delete AFTER DELETE ON api_tokens FOR EACH ROW EXECUTE FUNCTION junction_bump_auth_epoch()",
        """
        CREATE TRIGGER auth_epoch_oauth_tokens_update AFTER UPDATE OF revokedAt, expiresAt, resource, userId, tokenHash ON oauth_tokens
        FOR EACH ROW
        WHEN (OLD.revokedAt IS DISTINCT FROM NEW.revokedAt OR OLD.expiresAt IS DISTINCT FROM NEW.expiresAt
              OR OLD.resource IS DISTINCT FROM NEW.resource OR OLD.userId IS DISTINCT FROM NEW.userId
              OR OLD.tokenHash IS DISTINCT FROM NEW.tokenHash)
        EXECUTE FUNCTION junction_bump_auth_epoch()
        """,
        "CREATE TRIGGER auth_epoch_oauth_tokens_delete AFTER DELETE ON oauth_tokens FOR EACH ROW EXECUTE FUNCTION junction_bump_auth_epoch()",

        // Catalog versions: one bump per owner per statement that inserts, updates or
        // deletes their entries (cascades from a deleted source included). No foreign key
        // to users: the bump of a cascade from a deleted user must not fail on it.
        "CREATE TABLE catalog_versions (owner text PRIMARY KEY, version bigint NOT NULL)",
        """
        CREATE FUNCTION junction_bump_catalog_versions() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO catalog_versions (owner, version)
            SELECT DISTINCT owner, 1 FROM changed_entries
            ON CONFLICT (owner) DO UPDATE SET version = catalog_versions.version + 1;
            RETURN NULL;
        END
        $$
        """,
        """
        CREATE TRIGGER catalog_entries_version_insert AFTER INSERT ON catalog_entries
        REFERENCING NEW TABLE AS changed_entries FOR EACH STATEMENT EXECUTE FUNCTION junction_bump_catalog_versions()
        """,
        """
        CREATE TRIGGER catalog_entries_version_update AFTER UPDATE ON catalog_entries
        REFERENCING NEW TABLE AS changed_entries FOR EACH STATEMENT EXECUTE FUNCTION junction_bump_catalog_versions()
        """,
        """
        CREATE TRIGGER catalog_entries_version_delete AFTER DELETE ON catalog_entries
        REFERENCING OLD TABLE AS changed_entries FOR EACH STATEMENT EXECUTE FUNCTION junction_bump_catalog_versions()
        """,
    ]

    // MARK: Version 2: tell every host what changed (`PostgresChangeFeed`).

    /// `pg_notify` on `junction_changes` wherever a cached answer can go stale: `auth` when
    /// the auth epoch moves, `catalog <owner>` when an owner's entries change or one of
    /// their sources is added, removed, renamed, retyped, enabled or disabled. PostgreSQL
    /// sends them when the transaction commits, and drops duplicates within it.
    private static let changeNotifications: [String] = [
        """
        CREATE OR REPLACE FUNCTION junction_bump_auth_epoch() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            UPDATE auth_epoch SET value = value + 1 WHERE id = 1;
            PERFORM pg_notify('junction_changes', 'auth');
            RETURN NULL;
        END
        $$
        """,
        """
        CREATE OR REPLACE FUNCTION junction_bump_catalog_versions() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO catalog_versions (owner, version)
            SELECT DISTINCT owner, 1 FROM changed_entries
            ON CONFLICT (owner) DO UPDATE SET version = catalog_versions.version + 1;
            PERFORM pg_notify('junction_changes', 'catalog ' || owner) FROM (SELECT DISTINCT owner FROM changed_entries) AS changed;
            RETURN NULL;
        END
        $$
        """,
        """
        CREATE FUNCTION junction_notify_source_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('junction_changes', 'catalog ' || CASE TG_OP WHEN 'DELETE' THEN OLD.owner ELSE NEW.owner END);
            IF TG_OP = 'UPDATE' AND OLD.owner IS DISTINCT FROM NEW.owner THEN
                PERFORM pg_notify('junction_changes', 'catalog ' || OLD.owner);
            END IF;
            RETURN NULL;
        END
        $$
        """,
        """
        CREATE TRIGGER sources_notify_change AFTER INSERT OR DELETE OR UPDATE OF enabled, slug, type, owner ON sources
        FOR EACH ROW EXECUTE FUNCTION junction_notify_source_change()
        """,
    ]
}
