import Catalog
import Foundation
import GRDB
import JunctionCore
import Secrets
import Store
import TestSupport
import Upstream
import XCTest

final class StoreTests: XCTestCase {
    var path: String!
    var db: SQLiteStore!
    let box = SecretBox(keyring: .random())

    override func setUp() async throws {
        path = TestEnvironment.temporaryDirectory().appendingPathComponent("junction.sqlite").path
        db = try SQLiteStore(path: path)
    }

    func testMigrationsCreateTablesInWALModeAndReopenCleanly() throws {
        let tables = try db.writer.read { try String.fetchAll($0, sql: "SELECT name FROM sqlite_master WHERE type IN ('table')") }
        for t in ["users", "api_tokens", "sources", "catalog_entries", "catalog_fts", "executions"] {
            XCTAssertTrue(tables.contains(t), "missing table \(t)")
        }
        let mode = try db.writer.read { try String.fetchOne($0, sql: "PRAGMA journal_mode") }
        XCTAssertEqual(mode, "wal")
        let owner = try db.writer.read { try Row.fetchAll($0, sql: "PRAGMA table_info(sources)") }.first { $0["name"] == "owner" }
        XCTAssertEqual(owner?["notnull"], 1, "owner is never null")
        let reopened = try SQLiteStore(path: path)
        let migrations = try reopened.writer.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM grdb_migrations") }
        XCTAssertEqual(migrations, SQLiteStore.migrator.migrations.count)
    }

    func testTokensAreStoredHashedAndResolveToTheirUser() throws {
        let user = try db.userCreatingIfNeeded(email: "Alice@Example.com")
        XCTAssertTrue(user.isAdmin, "the first user becomes admin")
        XCTAssertEqual(try db.userCreatingIfNeeded(email: "alice@example.com").id, user.id)
        let (token, _) = try db.createAPIToken(owner: user.id, name: "t")
        XCTAssertEqual(try db.authenticate(token: token)?.id, user.id)
        XCTAssertNil(try db.authenticate(token: token + "x"))
        let stored = try db.writer.read { try String.fetchAll($0, sql: "SELECT tokenHash FROM api_tokens") }
        XCTAssertEqual(stored, [TokenHasher.hash(token)])
        XCTAssertFalse(stored.contains(token))
        try db.writer.write { try $0.execute(sql: "UPDATE users SET disabled = 1") }
        XCTAssertNil(try db.authenticate(token: token), "a disabled user's tokens stop working")
    }

    func testEveryQueryIsScopedByOwner() throws {
        let alice = try db.userCreatingIfNeeded(email: "alice@example.com")
        let bob = try db.userCreatingIfNeeded(email: "bob@example.com")
        let a = try db.createSource(owner: alice.id, draft: SourceDraft(slug: "pets", type: .openapi, name: "A", baseUrl: nil, specUrl: "https://a.example/spec"), box: box)
        let b = try db.createSource(owner: bob.id, draft: SourceDraft(slug: "pets", type: .openapi, name: "B", baseUrl: nil, specUrl: "https://b.example/spec"), box: box)
        try db.replaceCatalog(owner: alice.id, sourceID: a.id, drafts: [draft("GET /pets", hint: "listPets", title: "List pets")])
        try db.replaceCatalog(owner: bob.id, sourceID: b.id, drafts: [draft("GET /pets", hint: "listPets", title: "List pets")])

        XCTAssertEqual(try db.sources(owner: alice.id).map(\.name), ["A"])
        XCTAssertNil(try db.source(owner: alice.id, id: b.id), "alice cannot load bob's source by id")
        XCTAssertEqual(try db.enabledCallNames(owner: alice.id), ["pets_listPets"])
        XCTAssertEqual(try db.searchCatalog(owner: alice.id, query: "pets", limit: 10).count, 1)
        XCTAssertNil(try db.callable(owner: alice.id, callName: "nope"))
        XCTAssertThrowsError(try db.replaceCatalog(owner: alice.id, sourceID: b.id, drafts: []), "alice cannot write bob's catalog")
        XCTAssertFalse(try db.deleteSource(owner: alice.id, slug: "missing"))
        XCTAssertTrue(try db.deleteSource(owner: alice.id, slug: "pets"))
        XCTAssertEqual(try db.sources(owner: bob.id).count, 1, "deleting alice's source left bob's")
        XCTAssertEqual(try db.searchCatalog(owner: bob.id, query: "pets", limit: 10).count, 1)
    }

    func testSecretRoundTripAndTamperingAndWrongOwnerAreRejected() throws {
        let alice = try db.userCreatingIfNeeded(email: "alice@example.com")
        let bob = try db.userCreatingIfNeeded(email: "bob@example.com")
        let source = try db.createSource(owner: alice.id, draft: SourceDraft(slug: "gh", type: .openapi, name: "gh", baseUrl: "https://x.example",
                                                                            specUrl: "https://x.example/s", authType: .bearer, secret: "ghp_secret"), box: box)
        XCTAssertEqual(try db.sourceSecret(source, box: box), "ghp_secret")
        let raw = try db.writer.read { try String.fetchOne($0, sql: "SELECT secretSealed FROM sources") }!
        XCTAssertFalse(raw.contains("ghp_secret"))
        XCTAssertTrue(raw.hasPrefix("v1.k1."), "the sealed text names its key id")

        var tampered = Data(base64Encoded: String(raw.split(separator: ".")[2]))!
        tampered[tampered.count - 1] ^= 0x01
        var t = source
        t.secretSealed = "v1.k1." + tampered.base64EncodedString()
        XCTAssertThrowsError(try db.sourceSecret(t, box: box))

        var moved = source
        moved.owner = bob.id
        XCTAssertThrowsError(try db.sourceSecret(moved, box: box), "a ciphertext copied to another owner does not open")
        var other = source
        other.id = UUID().uuidString.lowercased()
        XCTAssertThrowsError(try db.sourceSecret(other, box: box), "a ciphertext copied to another source does not open")
        XCTAssertThrowsError(try db.sourceSecret(source, box: SecretBox(keyring: .random())), "another master key does not open it")
    }

    func testMasterKeyRotationKeepsOldSecretsReadable() throws {
        let old = Data((0..<32).map { _ in UInt8.random(in: 0...255) })
        let new = Data((0..<32).map { _ in UInt8.random(in: 0...255) })
        let before = SecretBox(keyring: try Keyring(activeKeyID: "k1", keys: ["k1": old]))
        let after = SecretBox(keyring: try Keyring(activeKeyID: "k2", keys: ["k1": old, "k2": new]))
        let ctx = SecretBox.sourceContext(owner: "o", sourceID: "s")
        let sealed = try before.seal("token", context: ctx)
        XCTAssertEqual(try after.open(sealed, context: ctx), "token")
        let resealed = try after.reseal(sealed, context: ctx)
        XCTAssertEqual(SecretBox.keyID(of: resealed), "k2")
        XCTAssertEqual(try after.open(resealed, context: ctx), "token")
        XCTAssertThrowsError(try before.open(resealed, context: ctx))
    }

    func testRefreshKeepsCallNamesStableAndResolvesCollisions() throws {
        let u = try db.userCreatingIfNeeded(email: "u@example.com")
        let s = try db.createSource(owner: u.id, draft: SourceDraft(slug: "api", type: .openapi, name: "api", baseUrl: nil, specUrl: "https://x/s"), box: box)
        let first = try db.replaceCatalog(owner: u.id, sourceID: s.id, drafts: [
            draft("GET /a", hint: "get_thing", title: "a"), draft("GET /b", hint: "get-thing", title: "b"),
        ])
        let names = Dictionary(uniqueKeysWithValues: first.map { ($0.operationKey, $0.callName) })
        XCTAssertEqual(names, ["GET /a": "api_get_thing", "GET /b": "api_get_thing_2"])
        // A new operation that sorts first must not take over an existing name.
        let second = try db.replaceCatalog(owner: u.id, sourceID: s.id, drafts: [
            draft("GET /0", hint: "get thing", title: "new"), draft("GET /b", hint: "get-thing", title: "b"), draft("GET /a", hint: "get_thing", title: "a"),
        ])
        let renamed = Dictionary(uniqueKeysWithValues: second.map { ($0.operationKey, $0.callName) })
        XCTAssertEqual(renamed["GET /a"], "api_get_thing")
        XCTAssertEqual(renamed["GET /b"], "api_get_thing_2")
        XCTAssertEqual(renamed["GET /0"], "api_get_thing_3")
        XCTAssertEqual(try db.source(owner: u.id, id: s.id)?.entryCount, 3)
    }

    /// Search must still find entries after a second refresh re-creates them (the FTS
    /// rows follow the entries' new row ids).
    func testSearchFindsEntriesAfterRepeatedRefreshes() throws {
        let u = try db.userCreatingIfNeeded(email: "u@example.com")
        let s = try db.createSource(owner: u.id, draft: SourceDraft(slug: "api", type: .openapi, name: "api", baseUrl: nil, specUrl: "https://x/s"), box: box)
        for round in 0..<3 {
            try db.replaceCatalog(owner: u.id, sourceID: s.id, drafts: [draft("GET /pets", hint: "listPets", title: "List pets"),
                                                                        draft("POST /orders", hint: "createOrder", title: "Create order")])
            XCTAssertEqual(try db.searchCatalog(owner: u.id, query: "pets", limit: 5).map(\.callName), ["api_listPets"], "round \(round)")
            XCTAssertEqual(try db.searchCatalog(owner: u.id, query: CatalogQuery(text: "create order", matchAll: true)).map(\.callName), ["api_createOrder"])
        }
        let ftsRows = try db.writer.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM catalog_fts") }
        XCTAssertEqual(ftsRows, 2, "old index rows are removed with their entries")
    }

    func testConcurrentOpenersMigrateOnce() throws {
        let path = TestEnvironment.temporaryDirectory().appendingPathComponent("shared.sqlite").path
        let errors = Locked<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            do { _ = try SQLiteStore(path: path) } catch { errors.withLock { $0.append("\(error)") } }
        }
        XCTAssertEqual(errors.withLock { $0 }, [])
    }

    func testSearchRanksBeforeLimitingAndSurvivesHostileQueries() throws {
        let u = try db.userCreatingIfNeeded(email: "u@example.com")
        let s = try db.createSource(owner: u.id, draft: SourceDraft(slug: "api", type: .openapi, name: "api", baseUrl: nil, specUrl: "https://x/s"), box: box)
        var drafts = (0..<50).map { draft("GET /x\($0)", hint: "op\($0)", title: "Something about widgets \($0)") }
        drafts.append(draft("GET /pets", hint: "listPets", title: "List pets"))
        try db.replaceCatalog(owner: u.id, sourceID: s.id, drafts: drafts)
        XCTAssertEqual(try db.searchCatalog(owner: u.id, query: "pets", limit: 1).first?.callName, "api_listPets")
        for hostile in ["\"", "pets OR", "NEAR(", "*", "a:b", "') DROP TABLE sources; --", "^"] {
            XCTAssertNoThrow(try db.searchCatalog(owner: u.id, query: hostile, limit: 5), hostile)
        }
        XCTAssertEqual(try db.sources(owner: u.id).count, 1)
    }

    func testExecutionLogIsOwnerScopedNewestFirst() throws {
        let a = try db.userCreatingIfNeeded(email: "a@example.com")
        let b = try db.userCreatingIfNeeded(email: "b@example.com")
        for (i, owner) in [a.id, a.id, b.id].enumerated() {
            try db.insertExecution(ExecutionLog(id: "e\(i)", owner: owner, tool: "execute", code: "c", status: "ok", durationMs: i, calls: "[]",
                                                resultPreview: nil, error: nil, createdAt: Date().addingTimeInterval(Double(i))))
        }
        XCTAssertEqual(try db.executions(owner: a.id, limit: 10).map(\.id), ["e1", "e0"])
        XCTAssertEqual(try db.executions(owner: b.id, limit: 10).map(\.id), ["e2"])
    }

    func testMovingAnOAuthSourceForgetsItsGrant() throws {
        let user = try db.userCreatingIfNeeded(email: "oauth-move@example.com")
        let source = try db.createSource(owner: user.id, draft: SourceDraft(slug: "up", type: .mcp, name: "Up", baseUrl: "https://mcp.example/mcp",
                                                                            specUrl: nil, authType: .oauth), box: box)
        let grant = UpstreamOAuthGrant(issuer: "https://as.example", tokenEndpoint: "https://as.example/token", resource: "https://mcp.example/mcp",
                                       scope: nil, client: UpstreamOAuthClient(kind: "dcr", clientID: "c1"),
                                       tokens: UpstreamOAuthTokens(accessToken: "at", refreshToken: "rt", expiresIn: 3600))
        try db.saveSourceOAuthGrant(owner: user.id, sourceID: source.id, grant: grant, box: box)
        var rename = SourceChanges()
        rename.name = "Renamed"
        _ = try db.updateSource(owner: user.id, slug: "up", changes: rename, box: box)
        XCTAssertNotNil(try db.sourceOAuthGrant(owner: user.id, sourceID: source.id, box: box), "a rename keeps the grant")
        var move = SourceChanges()
        move.baseUrl = .some("https://elsewhere.example/mcp")
        _ = try db.updateSource(owner: user.id, slug: "up", changes: move, box: box)
        XCTAssertNil(try db.sourceOAuthGrant(owner: user.id, sourceID: source.id, box: box),
                     "a token issued for one server is never sent to the new URL")
    }

    private func draft(_ key: String, hint: String, title: String) -> CatalogEntryDraft {
        CatalogEntryDraft(operationKey: key, nameHint: hint, kind: .operation, title: title, description: "", inputSchema: .object([:]))
    }
}
