import Foundation
import JunctionCore
import Logging
import PostgresNIO
import Store
import TestSupport
import XCTest

/// What only the PostgreSQL store has: its URL, migrations shared by many starting
/// processes, and the triggers that tell other hosts' caches about changes.
final class PostgresStoreTests: XCTestCase {
    private var databases: [String] = []

    override func tearDown() async throws {
        for name in databases { try await PostgresTestServer.dropDatabase(name) }
        databases = []
    }

    private func freshDatabase() async throws -> PostgresURL {
        let url = try await PostgresTestServer.createDatabase()
        databases.append(url.database)
        return url
    }

    /// The first column of the first row of `sql` in the database `url` names.
    private func scalar<T: PostgresDecodable & Sendable>(_ url: PostgresURL, _ sql: String, as type: T.Type = T.self) async throws -> T? {
        try await PostgresTestServer.admin(url) { client in
            try await client.query(PostgresQuery(unsafeSQL: sql)).collect().first?.decode(T.self)
        }
    }

    private func execute(_ url: PostgresURL, _ statements: [String]) async throws {
        try await PostgresTestServer.admin(url) { client in
            try await client.withConnection { connection in
                for sql in statements { _ = try await connection.query(PostgresQuery(unsafeSQL: sql), logger: PostgresTestServer.logger).collect() }
            }
        }
    }

    func testTheURLIsParsedWithItsTLSModeAndItsPasswordIsNeverShown() throws {
        let url = try PostgresURL("postgresql://junction:s%40cr%3At@db.example:6543/junction?sslmode=verify-full&sslrootcert=/etc/ca.pem")
        XCTAssertEqual(url.user, "junction")
        XCTAssertEqual(url.password, "s@cr:t", "the password is percent-decoded")
        XCTAssertEqual(url.host, "db.example")
        XCTAssertEqual(url.port, 6543)
        XCTAssertEqual(url.database, "junction")
        XCTAssertEqual(url.sslMode, .verifyFull)
        XCTAssertEqual(url.sslRootCert, "/etc/ca.pem")
        XCTAssertEqual(url.description, "postgres://junction:***@db.example:6543/junction?sslmode=verify-full&sslrootcert=/etc/ca.pem")

        let defaults = try PostgresURL("postgres://ada@10.0.0.5")
        XCTAssertEqual(defaults.port, 5432)
        XCTAssertEqual(defaults.database, "ada", "the database defaults to the user's name, as in libpq")
        XCTAssertEqual(defaults.sslMode, .prefer, "libpq's default")
        XCTAssertNil(defaults.password)
        XCTAssertEqual(defaults.description, "postgres://ada@10.0.0.5:5432/ada")
        let v6 = try PostgresURL("postgres://u:p@[::1]:5433/d?sslmode=disable")
        XCTAssertEqual(v6.host, "::1")
        XCTAssertEqual(v6.description, "postgres://u:***@[::1]:5433/d?sslmode=disable")

        for bad in ["mysql://u:hunter2@h/d", "postgres://:hunter2@h/d", "postgres://u:hunter2@/d", "postgres://u:hunter2@h/d?sslmode=sometimes",
                    "postgres://u:hunter2@h/d?sslmode=require&sslrootcert=/ca.pem", "postgres://u:hunter2@h/d?application_name=x"] {
            XCTAssertThrowsError(try PostgresURL(bad), bad) { error in
                XCTAssertFalse("\(error)".contains("hunter2"), "an invalid URL's error never repeats its password: \(error)")
                XCTAssertEqual((error as? any CodedError)?.code, "invalid_configuration")
            }
        }
    }

    func testOnlyVerifyFullOrLoopbackCountsAsSafeFromInterception() throws {
        // The spellings an operator might use for "this machine" and for "elsewhere".
        for safe in ["postgres://u:p@127.0.0.1/d", "postgres://u:p@localhost/d", "postgres://u:p@[::1]/d", "postgres://u:p@127.8.9.1:5433/d",
                     "postgres://u:p@db.example/d?sslmode=verify-full", "postgres://u:p@10.0.0.5/d?sslmode=verify-full&sslrootcert=/ca.pem"] {
            XCTAssertFalse(try PostgresURL(safe).isExposedToInterception, safe)
        }
        for exposed in ["postgres://u:p@db.example/d", "postgres://u:p@10.0.0.5/d?sslmode=require", "postgres://u:p@10.0.0.5/d?sslmode=verify-ca",
                        "postgres://u:p@127.0.0.1.evil.example/d", "postgres://u:p@localhost.example/d", "postgres://u:p@[::ffff:10.0.0.5]/d",
                        "postgres://u:p@db.example/d?sslmode=disable"] {
            XCTAssertTrue(try PostgresURL(exposed).isExposedToInterception, exposed)
        }
    }

    func testAnUnreachableServerFailsWithTheRedactedURL() async throws {
        let url = try PostgresURL("postgres://junction:hunter2@127.0.0.1:\(TestEnvironment.freePort())/nowhere?sslmode=disable")
        do {
            let store = try await PostgresStore.open(url: url, logger: PostgresTestServer.logger)
            await store.close()
            XCTFail("opened a store on a port nobody listens on")
        } catch let error as StoreError {
            XCTAssertEqual(error.code, "store_unavailable")
            XCTAssertTrue(error.message.contains("postgres://junction:***@127.0.0.1"), error.message)
            XCTAssertFalse(error.message.contains("hunter2"), "the password is never in a message")
        }
    }

    func testAWrongPasswordOrARefusedTLSRequirementFailsAtOnce() async throws {
        let server = try PostgresTestServer.serverURL()
        var wrong = server
        wrong.password = "not-the-password"
        var tls = server
        tls.sslMode = .require  // the tests' server offers no TLS
        for (url, expected) in [(wrong, "28P01"), (tls, "sslUnsupported")] {
            let started = ContinuousClock.now
            do {
                let store = try await PostgresStore.open(url: url, logger: PostgresTestServer.logger)
                await store.close()
                XCTFail("opened \(url)")
            } catch let error as StoreError {
                XCTAssertTrue(error.message.contains(expected), error.message)
                XCTAssertFalse(error.message.contains("not-the-password"))
            }
            XCTAssertLessThan(ContinuousClock.now - started, .seconds(5), "no background retries before failing")
        }
    }

    func testTheOpenerPicksPostgreSQLByURLAndThenWritesNothingLocally() async throws {
        let url = try await freshDatabase()
        let folder = TestEnvironment.temporaryDirectory().appendingPathComponent("data")
        let sqlitePath = folder.appendingPathComponent("junction.sqlite").path
        let store = try await StoreOpener.open(databaseURL: try PostgresTestServer.urlText(database: url.database), sqlitePath: sqlitePath,
                                               logger: PostgresTestServer.logger)
        XCTAssertTrue(store is PostgresStore)
        let user = try await store.userCreatingIfNeeded(email: "local@example.com")
        _ = try await store.createAPIToken(owner: user.id, name: "t")
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.path), "no data folder, no SQLite file")
        await (store as? PostgresStore)?.close()

        let sqlite = try await StoreOpener.open(databaseURL: nil, sqlitePath: sqlitePath, logger: PostgresTestServer.logger)
        XCTAssertTrue(sqlite is SQLiteStore)
        XCTAssertTrue(FileManager.default.fileExists(atPath: sqlitePath), "unset: the SQLite file")
    }

    func testConcurrentStartersApplyEachMigrationOnce() async throws {
        let url = try await freshDatabase()
        let applied = try await withThrowingTaskGroup(of: [Int].self) { group in
            for _ in 0..<6 {
                group.addTask {
                    try await PostgresTestServer.admin(url) { client in
                        try await client.withConnection { try await PostgresMigrations.migrate($0, logger: PostgresTestServer.logger) }
                    }
                }
            }
            return try await group.reduce(into: [Int]()) { $0 += $1 }
        }
        XCTAssertEqual(applied.sorted(), PostgresMigrations.all.map(\.version), "each migration applied by exactly one starter")
        let recorded = try await scalar(url, "SELECT COUNT(*) FROM schema_migrations", as: Int.self)
        XCTAssertEqual(recorded, PostgresMigrations.all.count)
        let store = try await PostgresStore.open(url: url, logger: PostgresTestServer.logger)
        let users = try await store.userCount()
        XCTAssertEqual(users, 0, "a later opener finds the schema ready")
        await store.close()
    }

    func testCatalogVersionsMoveInTheTransactionThatChangesEntriesAndOnlyThen() async throws {
        let url = try await freshDatabase()
        let store = try await PostgresStore.open(url: url, logger: PostgresTestServer.logger)
        await store.close()
        let entry = { (owner: String, name: String) in
            """
            INSERT INTO catalog_entries (owner, sourceId, callName, operationKey, kind, title, description, tags, inputSchema, details)
            VALUES ('\(owner)', 's-\(owner)', '\(name)', '\(name)', 'operation', '', '', '', '{}', '{}')
            """
        }
        try await execute(url, [
            "INSERT INTO users (id, email, createdAt) VALUES ('a', 'a@example.com', now()), ('b', 'b@example.com', now())",
            """
            INSERT INTO sources (id, owner, slug, type, name, createdAt, updatedAt)
            VALUES ('s-a', 'a', 'sa', 'openapi', 'sa', now(), now()), ('s-b', 'b', 'sb', 'openapi', 'sb', now(), now())
            """,
        ])
        let none = try await scalar(url, "SELECT version FROM catalog_versions WHERE owner = 'a'", as: Int64.self)
        XCTAssertNil(none)
        try await execute(url, [entry("a", "x1")])
        let first = try await scalar(url, "SELECT version FROM catalog_versions WHERE owner = 'a'", as: Int64.self)
        XCTAssertEqual(first, 1)
        try await execute(url, ["UPDATE catalog_entries SET title = 't' WHERE owner = 'a'"])
        let updated = try await scalar(url, "SELECT version FROM catalog_versions WHERE owner = 'a'", as: Int64.self)
        XCTAssertEqual(updated, 2)
        try await execute(url, ["BEGIN", entry("a", "x2"), "ROLLBACK"])
        let rolledBack = try await scalar(url, "SELECT version FROM catalog_versions WHERE owner = 'a'", as: Int64.self)
        XCTAssertEqual(rolledBack, 2, "a change that never committed moves no version")
        try await execute(url, ["DELETE FROM sources WHERE id = 's-a'"])
        let cascaded = try await scalar(url, "SELECT version FROM catalog_versions WHERE owner = 'a'", as: Int64.self)
        XCTAssertEqual(cascaded, 3, "entries removed with their source move the version")
        let other = try await scalar(url, "SELECT version FROM catalog_versions WHERE owner = 'b'", as: Int64.self)
        XCTAssertNil(other, "another owner's version does not move")
    }
}
