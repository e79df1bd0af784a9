import Catalog
import Foundation
import GRDB
import JunctionCore
import PostgresNIO
import Secrets
import Store
import TestSupport
import Upstream
import XCTest

/// `StoreCopier`: a real SQLite file, filled through `SQLiteStore`, copied into a fresh
/// database of the test PostgreSQL (`JUNCTION_TEST_DATABASE_URL`), then read back through
/// `PostgresStore` as the processes will, and with plain SQL where the stored bytes, ids
/// and derived columns are the point.
final class StoreCopierTests: XCTestCase {
    let keyring = Keyring.random()
    var box: SecretBox { SecretBox(keyring: keyring) }
    var sqlitePath = ""
    var targets: [PostgresURL] = []

    override func setUp() async throws {
        sqlitePath = TestEnvironment.temporaryDirectory().appendingPathComponent("junction.sqlite").path
    }

    override func tearDown() async throws {
        for target in targets { try await PostgresTestServer.dropDatabase(target.database) }
        targets = []
    }

    func newTarget() async throws -> PostgresURL {
        let url = try await PostgresTestServer.createDatabase()
        targets.append(url)
        return url
    }

    func copier(to target: PostgresURL, keyring: Keyring? = nil) -> StoreCopier {
        StoreCopier(sqlitePath: sqlitePath, target: target, keyring: keyring ?? self.keyring, logger: PostgresTestServer.logger)
    }

    /// What the fixture made, with the raw credentials a client would present.
    struct Fixture {
        var admin: User
        var member: User
        var apiToken: String
        var webSession: String
        var client: OAuthClientRecord
        var source: Source
        var mcpSource: Source
        var catalog: [CatalogEntry]
    }

    static let secret = "sk-live-secret-value"
    static let refreshToken = "jrt_refresh_raw"
    static let accessToken = "jat_access_raw"

    /// A store as an installation has it: an admin with a password, a second user, an API
    /// token, a web session, an OAuth client with access and refresh tokens and a consent,
    /// an allowlist entry, an OpenAPI source with a sealed secret and a catalog, an MCP
    /// source with an upstream OAuth grant, executions.
    func makeSQLiteStore() throws -> (SQLiteStore, Fixture) {
        let db = try SQLiteStore(path: sqlitePath)
        let admin = try db.createFirstAdmin(email: "root@example.com", passwordHash: "pbkdf2-sha256$600000$c2FsdA$aGFzaA")
        let member = try db.createUser(email: "member@example.com", isAdmin: false, passwordHash: nil)
        let (apiToken, _) = try db.createAPIToken(owner: admin.id, name: "laptop")
        _ = try db.createAPIToken(owner: member.id, name: "ci")
        let webSession = try db.createWebSession(userId: admin.id, lifetime: 3600)
        _ = try db.addAllowlistEntry(kind: "domain", value: "example.com")
        let client = OAuthClientRecord(id: "dcr-1", kind: "dcr", name: "Claude", redirectUris: "[\"https://claude.example/cb\"]",
                                       metadata: "{\"client_name\":\"Claude\"}", registrationTokenHash: TokenHasher.hash("reg"),
                                       createdAt: Date(), refreshAfter: nil)
        try db.saveOAuthClient(client)
        try db.markOAuthClientUsed(id: client.id)
        try db.saveConsent(userId: admin.id, clientId: client.id, scope: "mcp")
        let now = Date()
        try db.insertOAuthTokens([
            OAuthToken(id: "t-access", tokenHash: TokenHasher.hash(Self.accessToken), kind: "access", familyId: "f1", clientId: client.id,
                       userId: admin.id, scope: "mcp", resource: "https://j.example/mcp", createdAt: now,
                       expiresAt: now.addingTimeInterval(3600), usedAt: nil, revokedAt: nil),
            OAuthToken(id: "t-refresh", tokenHash: TokenHasher.hash(Self.refreshToken), kind: "refresh", familyId: "f1", clientId: client.id,
                       userId: admin.id, scope: "mcp", resource: "https://j.example/mcp", createdAt: now,
                       expiresAt: now.addingTimeInterval(86400), usedAt: nil, revokedAt: nil),
        ])
        let source = try db.createSource(owner: admin.id, draft: SourceDraft(slug: "github", type: .openapi, name: "GitHub",
                                                                             baseUrl: "https://api.github.example", specUrl: nil,
                                                                             authType: .bearer, secret: Self.secret), box: box)
        let drafts = ["list_repos", "get_repo", "create_issue"].map {
            CatalogEntryDraft(operationKey: "GET /\($0)", nameHint: $0, kind: .operation, title: "Title of \($0)",
                              description: "Does \($0)", method: "GET", path: "/\($0)/{owner}",
                              inputSchema: .object([:]), parameterNames: ["owner"])
        }
        let catalog = try db.replaceCatalog(owner: admin.id, sourceID: source.id, drafts: drafts)
        let mcpSource = try db.createSource(owner: member.id, draft: SourceDraft(slug: "up", type: .mcp, name: "Up",
                                                                                 baseUrl: "https://mcp.example/mcp", specUrl: nil,
                                                                                 authType: .oauth), box: box)
        let grant = UpstreamOAuthGrant(issuer: "https://as.example", tokenEndpoint: "https://as.example/token", resource: "https://mcp.example/mcp",
                                       scope: nil, client: UpstreamOAuthClient(kind: "dcr", clientID: "c1"),
                                       tokens: UpstreamOAuthTokens(accessToken: "at", refreshToken: "rt", expiresIn: 3600))
        try db.saveSourceOAuthGrant(owner: member.id, sourceID: mcpSource.id, grant: grant, box: box)
        for i in 0..<3 {
            try db.insertExecution(ExecutionLog(id: "e\(i)", owner: admin.id, tool: "execute", code: "return \(i)", status: "ok",
                                                durationMs: 10 + i, calls: "[]", resultPreview: "\(i)", error: nil,
                                                createdAt: Date().addingTimeInterval(Double(i))))
        }
        return (db, Fixture(admin: admin, member: member, apiToken: apiToken, webSession: webSession, client: try XCTUnwrap(db.oauthClient(id: client.id)),
                            source: try XCTUnwrap(db.source(owner: admin.id, id: source.id)), mcpSource: mcpSource, catalog: catalog))
    }

    /// Rows of `sql` on the target, through a client of its own.
    func query<T: Sendable>(_ target: PostgresURL, _ sql: PostgresQuery, as: T.Type) async throws -> [T] where T: PostgresDecodable {
        try await PostgresTestServer.admin(target) { client in
            try await client.query(sql, logger: PostgresTestServer.logger).collect().map { try $0.decode(T.self) }
        }
    }

    func testACopiedStoreKeepsItsAccountsTokensSessionsPasswordsAndCounts() async throws {
        let (sqlite, fixture) = try makeSQLiteStore()
        let target = try await newTarget()
        let summary = try await copier(to: target).copy()

        let postgres = try await PostgresStore.open(url: target, logger: PostgresTestServer.logger, maximumConnections: 2)
        defer { Task { await postgres.close() } }
        let users = try await postgres.listUsers()
        XCTAssertEqual(users, try sqlite.listUsers())
        let tokenUser = try await postgres.authenticate(token: fixture.apiToken)
        XCTAssertEqual(tokenUser?.id, fixture.admin.id, "the API token authenticates")
        let sessionUser = try await postgres.userForWebSession(token: fixture.webSession)
        XCTAssertEqual(sessionUser?.id, fixture.admin.id, "the web session signs in")
        let hash = try await postgres.passwordHash(userId: fixture.admin.id)
        XCTAssertEqual(hash, try sqlite.passwordHash(userId: fixture.admin.id), "the password hash is the one the password verifies against")
        let client = try await postgres.oauthClient(id: fixture.client.id)
        XCTAssertEqual(client, fixture.client, "the OAuth client with its dates")
        let consent = try await postgres.consent(userId: fixture.admin.id, clientId: fixture.client.id)
        XCTAssertEqual(consent?.scope, "mcp")
        let accessUser = try await postgres.userForAccessToken(Self.accessToken, resource: "https://j.example/mcp")
        XCTAssertEqual(accessUser?.id, fixture.admin.id, "the OAuth access token authenticates")
        guard case .fresh = try await postgres.useRefreshToken(hash: TokenHasher.hash(Self.refreshToken), clientId: fixture.client.id) else {
            return XCTFail("the refresh token exchanges once")
        }
        let executions = try await postgres.executions(owner: fixture.admin.id, limit: 10)
        let sqliteExecutions = try await sqlite.executions(owner: fixture.admin.id, limit: 10)
        XCTAssertEqual(executions.count, 3)
        XCTAssertEqual(executions, sqliteExecutions, "executions with their times, newest first")
        let allowlist = try await postgres.listAllowlist()
        XCTAssertEqual(allowlist, try sqlite.listAllowlist())

        let expected: [String: Int] = [
            "users": 2, "api_tokens": 2, "web_sessions": 1, "password_credentials": 1, "allowlist": 1, "oauth_clients": 1,
            "oauth_consents": 1, "oauth_tokens": 2, "sources": 2, "catalog_entries": 3, "source_oauth": 1, "executions": 3,
            "call_names_with_slug_repeated": 0, "source_specs": 0, "mcp_source_state": 0, "oauth_codes": 0, "oidc_login_states": 0,
            "user_identities": 0,
        ]
        XCTAssertEqual(Dictionary(uniqueKeysWithValues: summary.tables.map { ($0.name, $0.rows) }), expected)
        for (table, rows) in expected {
            let counted = try await query(target, PostgresQuery(unsafeSQL: "SELECT count(*) FROM \(table)"), as: Int.self)
            XCTAssertEqual(counted, [rows], table)
        }
        let order = summary.tables.map(\.name)
        for (parent, child) in [("users", "api_tokens"), ("users", "sources"), ("sources", "catalog_entries"), ("sources", "source_oauth")] {
            XCTAssertLessThan(try XCTUnwrap(order.firstIndex(of: parent)), try XCTUnwrap(order.firstIndex(of: child)), "\(parent) before \(child)")
        }
        XCTAssertEqual(Set(summary.skipped.map(\.name)), ["grdb_migrations", "catalog_fts", "schema_migrations", "catalog_versions", "auth_epoch"])
        let epochs = try await query(target, "SELECT value FROM auth_epoch", as: Int64.self)
        XCTAssertGreaterThan(try XCTUnwrap(epochs.first), try sqlite.authEpoch(), "the auth epoch moves past SQLite's")
    }

    func testCopiedSecretsOpenWithTheSameKeyringAndSourcesKeepTheirOwnerAndCatalog() async throws {
        let (sqlite, fixture) = try makeSQLiteStore()
        let target = try await newTarget()
        let summary = try await copier(to: target).copy()
        XCTAssertEqual(summary.sealed, StoreCopySummary.SealedCheck(total: 2, opened: 2), "the secret and the OAuth grant open")

        let rows = try await PostgresTestServer.admin(target) { client in
            try await client.query("SELECT owner, slug, secretSealed, secretOrigin FROM sources WHERE id = \(fixture.source.id)",
                                   logger: PostgresTestServer.logger).collect().map { try $0.decode((String, String, String, String).self) }
        }
        let (owner, slug, sealed, origin) = try XCTUnwrap(rows.first)
        XCTAssertEqual(owner, fixture.admin.id)
        XCTAssertEqual(slug, "github")
        XCTAssertEqual(sealed, fixture.source.secretSealed, "sealed bytes unchanged")
        let context = SQLiteStore.sourceSecretContext(owner: owner, sourceID: fixture.source.id, origin: try XCTUnwrap(Origin(string: origin)))
        XCTAssertEqual(try box.open(sealed, context: context), Self.secret, "unseals to the same value with the same keyring")
        XCTAssertThrowsError(try SecretBox(keyring: .random()).open(sealed, context: context), "and with no other")

        let grants = try await query(target, "SELECT grantSealed FROM source_oauth WHERE sourceId = \(fixture.mcpSource.id)", as: String.self)
        let grant = try box.open(try XCTUnwrap(grants.first), context: SQLiteStore.oauthContext(owner: fixture.member.id, sourceID: fixture.mcpSource.id))
        XCTAssertTrue(grant.contains("\"rt\""), "the upstream OAuth grant opens too")

        // Through the PostgreSQL store, as the processes will read them.
        let postgres = try await PostgresStore.open(url: target, logger: PostgresTestServer.logger, maximumConnections: 2)
        defer { Task { await postgres.close() } }
        let listed = try await postgres.sources(owner: fixture.admin.id)
        let sqliteListed = try await sqlite.sources(owner: fixture.admin.id)
        XCTAssertEqual(listed, sqliteListed, "the owner's sources, as SQLite listed them")
        let opened = try await postgres.sourceSecret(try XCTUnwrap(listed.first), box: box)
        XCTAssertEqual(opened, Self.secret, "PostgresStore opens the secret with the same keyring")
        let grantThere = try await postgres.sourceOAuthGrant(owner: fixture.member.id, sourceID: fixture.mcpSource.id, box: box)
        let grantHere = try await sqlite.sourceOAuthGrant(owner: fixture.member.id, sourceID: fixture.mcpSource.id, box: box)
        XCTAssertNotNil(grantThere)
        XCTAssertEqual(grantThere, grantHere)
        let hits = try await postgres.searchCatalog(owner: fixture.admin.id, query: "repo", limit: 10)
        let sqliteHits = try await sqlite.searchCatalog(owner: fixture.admin.id, query: "repo", limit: 10)
        XCTAssertFalse(hits.isEmpty)
        XCTAssertEqual(hits, sqliteHits, "catalog search ranks the copied entries as SQLite did")
        let otherHits = try await postgres.searchCatalog(owner: fixture.member.id, query: "repo", limit: 10)
        XCTAssertEqual(otherHits, [], "and only for their owner")

        let slugs = try await query(target, "SELECT slug FROM sources WHERE owner = \(fixture.member.id)", as: String.self)
        XCTAssertEqual(slugs, ["up"], "each source stays with its owner")
        let entries = try await PostgresTestServer.admin(target) { client in
            try await client.query("""
                SELECT id, callName, searchName, searchParams FROM catalog_entries WHERE owner = \(fixture.admin.id) AND sourceId = \(fixture.source.id)
                ORDER BY id
                """, logger: PostgresTestServer.logger).collect().map { try $0.decode((Int64, String, String, String).self) }
        }
        XCTAssertEqual(entries.map(\.0), fixture.catalog.compactMap(\.id), "entry ids kept")
        XCTAssertEqual(entries.map(\.1), fixture.catalog.map(\.callName))
        XCTAssertEqual(Set(entries.map(\.1)), Set(try sqlite.enabledCallNames(owner: fixture.admin.id)))
        for (_, callName, searchName, searchParams) in entries {
            XCTAssertTrue(searchName.hasPrefix(callName + " "), "searchName is SQLite's FTS callName text: \(searchName)")
            XCTAssertTrue(searchParams.hasPrefix("owner GET "), "searchParams is SQLite's FTS params text: \(searchParams)")
        }
        let versions = try await query(target, "SELECT owner FROM catalog_versions", as: String.self)
        XCTAssertEqual(versions, [fixture.admin.id], "PostgreSQL's triggers built the catalog version of the owner")
        let next = try await query(target, """
            INSERT INTO catalog_entries (owner, sourceId, callName, operationKey, kind, title, description, tags, inputSchema, details)
            VALUES (\(fixture.admin.id), \(fixture.source.id), 'github_new', 'GET /new', 'operation', '', '', '', '{}', '{}') RETURNING id
            """, as: Int64.self)
        XCTAssertGreaterThan(try XCTUnwrap(next.first), try XCTUnwrap(entries.map(\.0).max()), "the identity sequence continues past the copied ids")
    }

    func testASecondCopyIntoTheSameTargetIsRefusedAndAddsNothing() async throws {
        _ = try makeSQLiteStore()
        let target = try await newTarget()
        let first = try await copier(to: target).copy()
        do {
            _ = try await copier(to: target).copy()
            XCTFail("a second copy into a target with users must be refused")
        } catch let error as StoreCopyError {
            guard case .targetNotEmpty(let occupied) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(occupied["users"], 2)
            XCTAssertEqual(error.code, "store_copy_target_not_empty")
            XCTAssertTrue(error.message.contains("nothing was copied"), error.message)
        }
        for table in first.tables {
            let counted = try await query(target, PostgresQuery(unsafeSQL: "SELECT count(*) FROM \(table.name)"), as: Int.self)
            XCTAssertEqual(counted, [table.rows], table.name)
        }
    }

    func testATargetHoldingAnyRowIsRefusedEvenWithoutUsers() async throws {
        _ = try makeSQLiteStore()
        let target = try await newTarget()
        let postgres = try await PostgresStore.open(url: target, logger: PostgresTestServer.logger, maximumConnections: 2)
        _ = try await postgres.addAllowlistEntry(kind: "email", value: "someone@example.com")
        await postgres.close()
        do {
            _ = try await copier(to: target).copy()
            XCTFail("a target with data must be refused")
        } catch StoreCopyError.targetNotEmpty(let occupied) {
            XCTAssertEqual(occupied, ["allowlist": 1])
        }
        let users = try await query(target, "SELECT count(*) FROM users", as: Int.self)
        XCTAssertEqual(users, [0])
    }

    func testAValueThatDoesNotConvertRollsTheWholeCopyBack() async throws {
        let (sqlite, _) = try makeSQLiteStore()
        try await sqlite.writer.write { db in try db.execute(sql: "UPDATE executions SET createdAt = 'yesterday' WHERE id = 'e1'") }
        let target = try await newTarget()
        do {
            _ = try await copier(to: target).copy()
            XCTFail("a date that is no date must stop the copy")
        } catch let error as StoreCopyError {
            guard case let .badValue(table, column, _, _) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(table, "executions")
            XCTAssertEqual(column, "createdat")
            XCTAssertFalse(error.message.contains("yesterday"), "messages never carry values")
        }
        for table in ["users", "api_tokens", "sources", "catalog_entries", "catalog_versions"] {
            let counted = try await query(target, PostgresQuery(unsafeSQL: "SELECT count(*) FROM \(table)"), as: Int.self)
            XCTAssertEqual(counted, [0], "\(table): rows copied before the failure were rolled back")
        }
    }

    func testACopyWithAnotherMasterKeyCopiesButSaysTheSecretsDoNotOpen() async throws {
        _ = try makeSQLiteStore()
        let target = try await newTarget()
        let summary = try await copier(to: target, keyring: .random()).copy()
        XCTAssertEqual(summary.sealed, StoreCopySummary.SealedCheck(total: 2, opened: 0))
        XCTAssertEqual(summary.rows("sources"), 2)
    }

    func testAMissingSQLiteFileIsRefusedAndNotCreated() async throws {
        let target = try PostgresTestServer.serverURL()
        do {
            _ = try await copier(to: target).copy()
            XCTFail("no file, no copy")
        } catch StoreCopyError.sourceMissing(let path) {
            XCTAssertEqual(path, sqlitePath)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: sqlitePath))
    }

    func testSQLiteValuesConvertToTheColumnTypesAndOddOnesAreRefused() throws {
        var bindings = PostgresBindings()
        let accepted: [(PostgresColumnType, DatabaseValue)] = [
            (.boolean, 1.databaseValue), (.boolean, 0.databaseValue), (.boolean, DatabaseValue.null),
            (.timestamp("timestamp with time zone"), "2024-05-01 12:00:00.123".databaseValue),
            (.timestamp("timestamp with time zone"), 1_714_564_800.databaseValue),
            (.integer("bigint"), 42.databaseValue), (.integer("integer"), "7".databaseValue),
            (.floating("double precision"), 1.5.databaseValue), (.text("text"), "x".databaseValue),
            (.text("json"), Data("{}".utf8).databaseValue), (.bytea, Data([0, 1, 255]).databaseValue),
        ]
        for (type, value) in accepted { XCTAssertTrue(try type.bind(value, into: &bindings), "\(type) from \(value)") }
        XCTAssertEqual(bindings.count, accepted.count)
        let refused: [(PostgresColumnType, DatabaseValue)] = [
            (.boolean, 2.databaseValue), (.boolean, "maybe".databaseValue), (.timestamp("timestamp with time zone"), "soon".databaseValue),
            (.integer("bigint"), 1.5.databaseValue), (.integer("bigint"), "x".databaseValue),
            (.text("text"), Data([0xFF, 0xFE]).databaseValue),
        ]
        for (type, value) in refused { XCTAssertFalse(try type.bind(value, into: &bindings), "\(type) from \(value)") }
        XCTAssertEqual(bindings.count, accepted.count, "a refused value binds nothing")
        XCTAssertNil(PostgresColumnType(dataType: "USER-DEFINED"))
        XCTAssertEqual(PostgresColumnType(dataType: "integer")?.sqlName, "integer")
    }
}
