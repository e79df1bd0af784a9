import Catalog
import Foundation
import GRDB
import JunctionCore
import Secrets
import Store
import TestSupport
import XCTest

/// Call names do not repeat the source's slug (`git_log`, not `git_git_log`) for sources
/// created from now on, while the names of existing sources never change.
final class CallNameTests: XCTestCase {
    private let box = SecretBox(keyring: .random())

    private func tool(_ name: String) -> CatalogEntryDraft {
        CatalogEntryDraft(operationKey: name, nameHint: name, kind: .tool, title: name, description: "", inputSchema: ["type": "object"])
    }

    func testBaseNamesDoNotRepeatTheSlug() {
        XCTAssertEqual(CallName.base(slug: "git", hint: "git_log"), "git_log")
        XCTAssertEqual(CallName.base(slug: "git", hint: "GIT_log"), "git_log")
        XCTAssertEqual(CallName.base(slug: "git", hint: "git-diff staged"), "git_diff_staged")
        XCTAssertEqual(CallName.base(slug: "git", hint: "git"), "git_git", "a name that is only the slug keeps it")
        XCTAssertEqual(CallName.base(slug: "git", hint: "gitlog"), "git_gitlog")
        XCTAssertEqual(CallName.base(slug: "git", hint: "git_"), "git_git")
        XCTAssertEqual(CallName.base(slug: "pets", hint: "listPets"), "pets_listPets")
        XCTAssertEqual(CallName.base(slug: "git", hint: "git_log", repeatingSlug: true), "git_git_log")
    }

    func testNewSourcesGetSingleSlugNamesThatStayStable() throws {
        let db = try SQLiteStore(path: TestEnvironment.temporaryDirectory().appendingPathComponent("j.sqlite").path)
        let u = try db.userCreatingIfNeeded(email: "u@example.com")
        let s = try db.createSource(owner: u.id, draft: SourceDraft(slug: "git", type: .mcp, name: "git", baseUrl: "https://x/mcp", specUrl: nil), box: box)
        let first = try db.replaceCatalog(owner: u.id, sourceID: s.id, drafts: [tool("git_log"), tool("git_status"), tool("log")])
        XCTAssertEqual(Dictionary(uniqueKeysWithValues: first.map { ($0.operationKey, $0.callName) }),
                       ["git_log": "git_log", "git_status": "git_status", "log": "git_log_2"])
        XCTAssertTrue(first.first { $0.operationKey == "git_log" }!.signature.hasPrefix("git_log(input?: "))
        let second = try db.replaceCatalog(owner: u.id, sourceID: s.id, drafts: [tool("log"), tool("git_diff"), tool("git_log")])
        XCTAssertEqual(Dictionary(uniqueKeysWithValues: second.map { ($0.operationKey, $0.callName) }),
                       ["git_log": "git_log", "log": "git_log_2", "git_diff": "git_diff"])
    }

    func testSourcesThatExistedBeforeKeepTheirNamesAndNamingScheme() throws {
        // A store as it was before this change, with a source already named the old way.
        let path = TestEnvironment.temporaryDirectory().appendingPathComponent("old.sqlite").path
        do {
            let pool = try DatabasePool(path: path)
            try SQLiteStore.migrator.migrate(pool, upTo: "auth-epoch")
            try pool.write { db in
                try db.execute(sql: "INSERT INTO users(id, email, isAdmin, disabled, createdAt) VALUES ('u1', 'u@example.com', 1, 0, ?)", arguments: [Date()])
                try db.execute(sql: """
                    INSERT INTO sources(id, owner, slug, type, name, baseUrl, authType, enabled, status, entryCount, createdAt, updatedAt)
                    VALUES ('s1', 'u1', 'git', 'mcp', 'git', 'https://x/mcp', 'none', 1, 'ready', 1, ?, ?)
                    """, arguments: [Date(), Date()])
                try db.execute(sql: """
                    INSERT INTO catalog_entries(owner, sourceId, callName, operationKey, kind, title, description, tags, deprecated, inputSchema, details)
                    VALUES ('u1', 's1', 'git_git_log', 'git_log', 'tool', 'log', '', '', 0, '{}', '{}')
                    """)
            }
        }
        let db = try SQLiteStore(path: path)
        // A refresh keeps the stored name, and a tool that appeared since is named like its siblings.
        let entries = try db.replaceCatalog(owner: "u1", sourceID: "s1", drafts: [tool("git_log"), tool("git_status")])
        XCTAssertEqual(Dictionary(uniqueKeysWithValues: entries.map { ($0.operationKey, $0.callName) }),
                       ["git_log": "git_git_log", "git_status": "git_git_status"])
        // A source created after the upgrade gets the short names.
        let fresh = try db.createSource(owner: "u1", draft: SourceDraft(slug: "gh", type: .mcp, name: "gh", baseUrl: "https://y/mcp", specUrl: nil), box: box)
        XCTAssertEqual(try db.replaceCatalog(owner: "u1", sourceID: fresh.id, drafts: [tool("gh_search")]).map(\.callName), ["gh_search"])
        // Deleting the old source forgets its mark.
        XCTAssertTrue(try db.deleteSource(owner: "u1", slug: "git"))
        XCTAssertEqual(try db.writer.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM call_names_with_slug_repeated") }, 0)
    }
}
