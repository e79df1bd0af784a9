import Catalog
import Foundation
import JunctionCore
import Logging
import PostgresNIO
import Secrets
import Store
import Synchronization
import XCTest

/// The change feed against a real PostgreSQL: two stores on one database stand for two
/// hosts. It must save the per-request reads (auth epoch, catalog scope) and still never
/// serve an answer older than a change it could know about.
final class PostgresChangeFeedTests: XCTestCase {
    private var databases: [String] = []
    private var stores: [PostgresStore] = []
    private let box = SecretBox(keyring: .random())

    override func tearDown() async throws {
        for store in stores { await store.close() }
        stores = []
        for name in databases { try await PostgresTestServer.dropDatabase(name) }
        databases = []
    }

    private func freshDatabase() async throws -> PostgresURL {
        let url = try await PostgresTestServer.createDatabase()
        databases.append(url.database)
        return url
    }

    private func open(_ url: PostgresURL) async throws -> PostgresStore {
        let store = try await PostgresStore.open(url: url, logger: PostgresTestServer.logger)
        stores.append(store)
        try await waitUntil("the feed listens") { store.changes.session != nil }
        return store
    }

    private func waitUntil(_ what: String, within limit: Duration = .seconds(5), _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + limit
        while try await !condition() {
            if ContinuousClock.now > deadline { return XCTFail("not within \(limit): \(what)") }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    private func execute(_ url: PostgresURL, _ sql: String) async throws {
        try await PostgresTestServer.admin(url) { client in
            _ = try await client.query(PostgresQuery(unsafeSQL: sql)).collect()
        }
    }

    private func reads(_ store: PostgresStore) -> Int { store.hotPathReads.load(ordering: .relaxed) }

    private func search(_ store: PostgresStore, _ owner: String, _ text: String) async throws -> [String] {
        try await store.searchCatalog(owner: owner, query: CatalogQuery(text: text, limit: 10)).map(\.callName)
    }

    private func catalog(_ store: PostgresStore, owner: String, slug: String, _ hint: String) async throws -> Source {
        let source = try await store.createSource(owner: owner, draft: SourceDraft(slug: slug, type: .openapi, name: slug, baseUrl: nil,
                                                                                  specUrl: "https://\(slug).example/spec", authType: .none), box: box)
        try await store.replaceCatalog(owner: owner, sourceID: source.id, drafts: [
            CatalogEntryDraft(operationKey: "GET /\(hint)", nameHint: hint, kind: .operation, title: "List \(hint)", description: "",
                              method: "GET", path: "/\(hint)", inputSchema: .object([:]), parameterNames: []),
        ])
        return source
    }

    func testTheAuthEpochIsReadOnceAndARevocationAnywhereIsSeenAtOnceHereAndByNotificationThere() async throws {
        let url = try await freshDatabase()
        let a = try await open(url), b = try await open(url)
        let user = try await a.userCreatingIfNeeded(email: "epoch@example.com")
        let token = try await a.createAPIToken(owner: user.id, name: "t")

        let before = try await b.authEpoch()
        let readsBefore = reads(b)
        for _ in 0..<100 { _ = try await b.authEpoch() }
        XCTAssertEqual(reads(b), readsBefore, "while listening, B answers the epoch from memory")
        let seenByA = try await a.authEpoch()
        XCTAssertEqual(seenByA, before)

        let revoked = try await a.revokeAPIToken(id: token.record.id, owner: user.id)
        XCTAssertTrue(revoked)
        let afterOnA = try await a.authEpoch()
        XCTAssertGreaterThan(afterOnA, before, "the revoking process sees its own change on its very next read")
        let started = ContinuousClock.now
        try await waitUntil("B learns of the revocation", within: .seconds(2)) { try await b.authEpoch() > before }
        print("B saw A's revocation after \((ContinuousClock.now - started).milliseconds) ms")

        // A change made by neither store (another host, psql) reaches both.
        let current = try await b.authEpoch()
        try await execute(url, "UPDATE users SET disabled = true WHERE id = '\(user.id)'")
        try await waitUntil("B learns of a change made outside Junction", within: .seconds(2)) { try await b.authEpoch() > current }
    }

    func testACatalogSearchIsAnsweredFromMemoryUntilTheOwnersEntriesOrSourcesChange() async throws {
        let url = try await freshDatabase()
        let a = try await open(url), b = try await open(url)
        let ada = try await a.userCreatingIfNeeded(email: "ada@example.com")
        let bob = try await a.userCreatingIfNeeded(email: "bob@example.com")
        let zoo = try await catalog(a, owner: ada.id, slug: "zoo", "aardvarks")
        _ = try await catalog(a, owner: bob.id, slug: "farm", "cows")

        let first = try await search(b, ada.id, "aardvarks")
        XCTAssertEqual(first, ["zoo_aardvarks"])
        let readsBefore = reads(b)
        for _ in 0..<50 {
            let again = try await search(b, ada.id, "aardvarks")
            XCTAssertEqual(again, first)
        }
        XCTAssertEqual(reads(b), readsBefore, "no round trip while nothing changed")

        // Another owner's change does not cost Ada's searches a read.
        try await a.replaceCatalog(owner: bob.id, sourceID: try await a.source(owner: bob.id, slug: "farm")!.id, drafts: [])
        let bobsChangeSeen = ContinuousClock.now + .milliseconds(200)
        while ContinuousClock.now < bobsChangeSeen { _ = try await search(b, ada.id, "aardvarks") }
        XCTAssertEqual(reads(b), readsBefore, "a notification about Bob leaves Ada's cached scope current")

        // Entries replaced through A: B finds the new ones once notified; A at once.
        try await a.replaceCatalog(owner: ada.id, sourceID: zoo.id, drafts: [
            CatalogEntryDraft(operationKey: "GET /badgers", nameHint: "badgers", kind: .operation, title: "List badgers", description: "",
                              method: "GET", path: "/badgers", inputSchema: .object([:]), parameterNames: []),
        ])
        let onA = try await search(a, ada.id, "badgers")
        XCTAssertEqual(onA, ["zoo_badgers"])
        try await waitUntil("B finds the replaced catalog", within: .seconds(2)) { try await search(b, ada.id, "badgers") == ["zoo_badgers"] }
        let stale = try await search(b, ada.id, "aardvarks")
        XCTAssertEqual(stale, [])

        // Disabling the source changes no entry; its notification still reaches B.
        var off = SourceChanges()
        off.enabled = false
        _ = try await a.updateSource(owner: ada.id, slug: "zoo", changes: off, box: box)
        let disabledOnA = try await search(a, ada.id, "badgers")
        XCTAssertEqual(disabledOnA, [])
        try await waitUntil("B hides the disabled source", within: .seconds(2)) { try await search(b, ada.id, "badgers") == [] }

        // A status change (every refresh makes two) is not a catalog change.
        let settled = reads(b)
        _ = try await a.transitionSource(owner: ada.id, id: zoo.id, to: .refreshing, error: nil)
        let statusSeen = ContinuousClock.now + .milliseconds(200)
        while ContinuousClock.now < statusSeen { _ = try await search(b, ada.id, "badgers") }
        XCTAssertEqual(reads(b), settled, "a refresh's status updates do not void B's cache")
    }

    func testWhileTheListeningConnectionIsGoneEveryAnswerComesFromTheDatabase() async throws {
        let url = try await freshDatabase()
        let b = try await open(url)
        let a = try await open(url)
        let user = try await a.userCreatingIfNeeded(email: "lost@example.com")
        _ = try await a.createAPIToken(owner: user.id, name: "t")
        _ = try await b.authEpoch()
        let session = b.changes.session

        try await execute(url, """
            SELECT pg_terminate_backend(pid) FROM pg_stat_activity
            WHERE application_name = '\(PostgresChangeFeed.applicationName)' AND datname = current_database()
            """)
        try await waitUntil("B notices its listening connection is gone") { b.changes.session != session }
        // Whether B is down or listening again, a change it was never told about is read.
        try await execute(url, "UPDATE api_tokens SET revokedAt = now()")
        let truth = try await PostgresTestServer.admin(url) { client in
            try await client.query("SELECT value FROM auth_epoch").collect().first!.decode(Int64.self)
        }
        let seen = try await b.authEpoch()
        XCTAssertEqual(seen, truth, "no cached epoch outlives the session it was read in")
        try await waitUntil("B listens again") { b.changes.session.map { $0 > session! } ?? false }
    }

    func testASilentListeningConnectionIsDroppedAfterAPingTimeout() async throws {
        let url = try await freshDatabase()
        let store = try await open(url) // migrates
        await store.close()
        stores = []
        let feed = try PostgresChangeFeed(url: url, logger: PostgresTestServer.logger, pingInterval: .milliseconds(100),
                                          pingTimeout: .milliseconds(300))
        feed.start()
        try await waitUntil("the feed listens") { feed.session != nil }
        let session = feed.session
        let pid = try await PostgresTestServer.admin(url) { client in
            try await client.query(PostgresQuery(unsafeSQL: """
                SELECT pid FROM pg_stat_activity WHERE application_name = '\(PostgresChangeFeed.applicationName)' AND datname = current_database()
                """)).collect().first!.decode(Int32.self)
        }
        // A stopped server process answers nothing and closes nothing: a partition, as the
        // listening host sees it.
        XCTAssertEqual(kill(pid_t(pid), SIGSTOP), 0)
        do {
            try await waitUntil("the silent connection is given up", within: .seconds(3)) { feed.session != session }
        } catch {}
        kill(pid_t(pid), SIGCONT)
        XCTAssertNotEqual(feed.session, session)
        try await waitUntil("the feed listens on a new connection") { feed.session.map { $0 > session! } ?? false }
        await feed.stop()
        XCTAssertNil(feed.session)
    }
}
