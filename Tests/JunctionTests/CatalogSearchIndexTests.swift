@testable import Common
import Foundation
import GRDB
import XCTest

/// The in-memory catalog index must rank exactly as FTS5's `bm25()` over the same
/// table, and must never serve a catalog older than the store's.
final class CatalogSearchIndexTests: XCTestCase {
    var db: AppDatabase!
    let box = SecretBox(keyring: .random())

    override func setUp() async throws {
        db = try AppDatabase(path: TestEnvironment.temporaryDirectory().appendingPathComponent("junction.sqlite").path)
    }

    private static let nouns = "pet user order invoice account project issue comment file folder team member repo branch commit release café".split(separator: " ").map(String.init)
    private static let verbs = [("list", "GET", "List"), ("get", "GET", "Get"), ("create", "POST", "Create"), ("update", "PATCH", "Update"), ("delete", "DELETE", "Delete")]

    /// A catalog with a realistic vocabulary: words shared by every entry, words in a few.
    private func drafts(_ count: Int) -> [CatalogEntryDraft] {
        (0..<count).map { i in
            let (verb, method, title) = Self.verbs[i % Self.verbs.count]
            let noun = Self.nouns[(i / 5) % Self.nouns.count], sub = Self.nouns[(i / 85) % Self.nouns.count]
            return CatalogEntryDraft(
                operationKey: "\(method) /\(noun)s/\(i)", nameHint: "\(verb)\(noun.capitalized)\(sub.capitalized)\(i)", kind: .operation,
                title: "\(title) the \(sub) of a \(noun)",
                description: "\(title)s \(sub) records that belong to one \(noun). Supports paging and filtering by status." + (i % 7 == 0 ? " Rarely used." : ""),
                tags: [noun, sub], method: method, path: "/\(noun)s/{\(noun)Id}/\(sub)s/\(i)", inputSchema: .object([:]),
                parameterNames: ["\(noun)Id", "status"])
        }
    }

    /// What the store ranked before the in-memory index: BM25 computed by FTS5.
    private func ftsRanking(_ text: String, matchAll: Bool = false, limit: Int) throws -> [String] {
        let match = AppDatabase.ftsTerms(text).joined(separator: matchAll ? " AND " : " OR ")
        return try db.writer.read { db in
            try String.fetchAll(db, sql: """
                SELECT e.callName FROM catalog_fts f JOIN catalog_entries e ON e.id = f.rowid
                WHERE catalog_fts MATCH ? ORDER BY bm25(catalog_fts, 10.0, 5.0, 1.0, 3.0, 2.0), e.callName LIMIT ?
                """, arguments: [match, limit])
        }
    }

    func testRankingMatchesFTS5BM25() throws {
        let user = try db.userCreatingIfNeeded(email: "rank@example.com")
        let source = try db.createSource(owner: user.id, draft: SourceDraft(slug: "gen", type: .openapi, name: "G", baseUrl: nil, specUrl: "https://g.example/s"), box: box)
        try db.replaceCatalog(owner: user.id, sourceID: source.id, drafts: drafts(1500))
        let queries = ["list pets", "get the user of a project", "status", "rarely", "comment branch", "cafe", "CAFÉ orders",
                       "delete", "upd", "paging status invoice", "nothing-matches-this", "release commit repo"]
        var compared = 0
        for q in queries {
            for matchAll in [false, true] {
                let expected = try ftsRanking(q, matchAll: matchAll, limit: 25)
                let got = try db.searchCatalog(owner: user.id, query: CatalogQuery(text: q, limit: 25, matchAll: matchAll)).map(\.callName)
                XCTAssertEqual(got, expected, "ranking of '\(q)' (matchAll: \(matchAll))")
                compared += expected.count
            }
        }
        XCTAssertGreaterThan(compared, 300, "the queries exercised real rankings")
    }

    func testFiltersApplyAfterRankingAndDisabledSourcesAreHidden() throws {
        let user = try db.userCreatingIfNeeded(email: "filters@example.com")
        let a = try db.createSource(owner: user.id, draft: SourceDraft(slug: "alpha", type: .openapi, name: "A", baseUrl: nil, specUrl: "https://a.example/s"), box: box)
        let b = try db.createSource(owner: user.id, draft: SourceDraft(slug: "beta", type: .openapi, name: "B", baseUrl: nil, specUrl: "https://b.example/s"), box: box)
        try db.replaceCatalog(owner: user.id, sourceID: a.id, drafts: drafts(40))
        try db.replaceCatalog(owner: user.id, sourceID: b.id, drafts: drafts(40))
        let both = try db.searchCatalog(owner: user.id, query: CatalogQuery(text: "invoice", limit: 50))
        XCTAssertEqual(Set(both.map(\.source)), ["alpha", "beta"])
        let onlyBeta = try db.searchCatalog(owner: user.id, query: CatalogQuery(text: "invoice", source: "beta", limit: 50))
        XCTAssertFalse(onlyBeta.isEmpty)
        XCTAssertTrue(onlyBeta.allSatisfy { $0.source == "beta" && $0.callName.hasPrefix("beta_") })
        try db.writer.write { try $0.execute(sql: "UPDATE sources SET enabled = 0 WHERE id = ?", arguments: [a.id]) }
        let afterDisable = try db.searchCatalog(owner: user.id, query: CatalogQuery(text: "invoice", limit: 50))
        XCTAssertTrue(afterDisable.allSatisfy { $0.source == "beta" }, "a disabled source's entries are not found")
        XCTAssertEqual(try db.searchCatalog(owner: user.id, query: CatalogQuery(text: "", limit: 3)).map(\.callName),
                       Array(try db.enabledCallNames(owner: user.id).prefix(3)), "an empty query lists by call name")
    }

    func testIndexFollowsEveryCatalogChange() throws {
        let user = try db.userCreatingIfNeeded(email: "fresh@example.com")
        let other = try db.userCreatingIfNeeded(email: "other@example.com")
        let s = try db.createSource(owner: user.id, draft: SourceDraft(slug: "s", type: .openapi, name: "S", baseUrl: nil, specUrl: "https://s.example/s"), box: box)
        let o = try db.createSource(owner: other.id, draft: SourceDraft(slug: "s", type: .openapi, name: "O", baseUrl: nil, specUrl: "https://o.example/s"), box: box)
        try db.replaceCatalog(owner: other.id, sourceID: o.id, drafts: [
            CatalogEntryDraft(operationKey: "GET /zebra", nameHint: "getZebra", kind: .operation, title: "Zebra", description: "", inputSchema: .object([:])),
        ])
        XCTAssertTrue(try db.searchCatalog(owner: user.id, query: "zebra", limit: 10).isEmpty, "another owner's entries are never found")
        try db.replaceCatalog(owner: user.id, sourceID: s.id, drafts: [
            CatalogEntryDraft(operationKey: "GET /a", nameHint: "getAardvark", kind: .operation, title: "Aardvark", description: "", inputSchema: .object([:])),
        ])
        XCTAssertEqual(try db.searchCatalog(owner: user.id, query: "aardvark", limit: 10).map(\.callName), ["s_getAardvark"])
        try db.replaceCatalog(owner: user.id, sourceID: s.id, drafts: [
            CatalogEntryDraft(operationKey: "GET /b", nameHint: "getBadger", kind: .operation, title: "Badger", description: "", inputSchema: .object([:])),
        ])
        XCTAssertTrue(try db.searchCatalog(owner: user.id, query: "aardvark", limit: 10).isEmpty, "a refresh replaces the cached index")
        XCTAssertEqual(try db.searchCatalog(owner: user.id, query: "badger", limit: 10).map(\.callName), ["s_getBadger"])
        // A write that bypasses every store method still invalidates the index (triggers).
        try db.writer.write { try $0.execute(sql: "UPDATE catalog_entries SET kind = 'tool' WHERE owner = ?", arguments: [user.id]) }
        XCTAssertEqual(try db.searchCatalog(owner: user.id, query: CatalogQuery(text: "badger", kind: "tool")).count, 1)
        try db.deleteSource(owner: user.id, slug: "s")
        XCTAssertTrue(try db.searchCatalog(owner: user.id, query: "badger", limit: 10).isEmpty, "deleting the source empties the index")
    }

    func testTokenizerAgreesWithFTS5() throws {
        XCTAssertEqual(CatalogSearchIndex.tokens("listPets_byID v2/Café-Ünïcode"), ["listpets", "byid", "v2", "cafe", "unicode"])
        XCTAssertEqual(CatalogSearchIndex.tokens("  "), [])
    }
}
