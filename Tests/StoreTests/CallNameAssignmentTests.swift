import Catalog
import JunctionCore
import Store
import XCTest

/// The pure catalog logic both stores run: call names, the entries and their search texts,
/// and the search's source filter.
final class CallNameAssignmentTests: XCTestCase {
    private func draft(_ key: String, hint: String? = nil, method: String? = nil, path: String? = nil,
                       parameters: [String] = []) -> CatalogEntryDraft {
        CatalogEntryDraft(operationKey: key, nameHint: hint ?? key, kind: .operation, title: "T \(key)", description: "D \(key)",
                          tags: ["a", "b"], method: method, path: path, inputSchema: .object([:]), parameterNames: parameters)
    }

    func testNewOperationsAreNamedInKeyOrderWithNumberedSuffixes() {
        let drafts = [draft("c", hint: "list"), draft("a", hint: "list"), draft("b", hint: "list")]
        let names = CallNameAssignment.assign(drafts: drafts, previous: [:], taken: [], slug: "pets", repeatingSlug: false)
        XCTAssertEqual(names, ["a": "pets_list", "b": "pets_list_2", "c": "pets_list_3"])
    }

    func testKeptNamesAreClaimedBeforeNewOperationsAreNamed() {
        // "a" sorts first and would take pets_list, but "z" had that name before.
        let drafts = [draft("a", hint: "list"), draft("z", hint: "other")]
        let names = CallNameAssignment.assign(drafts: drafts, previous: ["z": "pets_list"], taken: [], slug: "pets", repeatingSlug: false)
        XCTAssertEqual(names, ["z": "pets_list", "a": "pets_list_2"])
    }

    func testNamesOfOtherSourcesAreNeverReused() {
        let drafts = [draft("a", hint: "list"), draft("b", hint: "get")]
        let names = CallNameAssignment.assign(drafts: drafts, previous: ["b": "pets_get"], taken: ["pets_list", "pets_get", "pets_get_2"],
                                              slug: "pets", repeatingSlug: false)
        XCTAssertEqual(names, ["a": "pets_list_2", "b": "pets_get_3"], "a kept name another source now holds is given up")
    }

    func testRepeatingSlugKeepsTheDoubledForm() {
        let drafts = [draft("k", hint: "git_log")]
        XCTAssertEqual(CallNameAssignment.assign(drafts: drafts, previous: [:], taken: [], slug: "git", repeatingSlug: false), ["k": "git_log"])
        XCTAssertEqual(CallNameAssignment.assign(drafts: drafts, previous: [:], taken: [], slug: "git", repeatingSlug: true), ["k": "git_git_log"])
    }

    func testEntriesCarryTypeScriptAndSearchTextsOnePerOperationKey() {
        let drafts = [draft("GET /pets/{id}", hint: "showPetById", method: "GET", path: "/pets/{petId}", parameters: ["petId"]),
                      draft("GET /pets/{id}", hint: "duplicate")]
        let entries = IndexedCatalogEntry.entries(owner: "o", sourceID: "s", drafts: drafts, rendered: drafts.map(RenderedDraft.init),
                                                  names: ["GET /pets/{id}": "pets_showPetById"])
        XCTAssertEqual(entries.count, 1, "the first draft of a key wins")
        let item = entries[0]
        XCTAssertEqual(item.entry.callName, "pets_showPetById")
        XCTAssertEqual(item.entry.owner, "o")
        XCTAssertEqual(item.entry.sourceId, "s")
        XCTAssertEqual(item.entry.tags, "a b")
        XCTAssertTrue(item.entry.signature.contains("pets_showPetById"), item.entry.signature)
        XCTAssertTrue(item.entry.declaration.contains("pets_showPetById"), item.entry.declaration)
        XCTAssertEqual(item.searchName, "pets_showPetById show Pet By Id")
        XCTAssertEqual(item.searchParams, "petId GET pets pet Id")
    }

    func testSearchScopeAdmitsOnlySourcesThatPassTheFilters() {
        var query = CatalogQuery(text: "x", limit: 10)
        query.source = "pets"
        var scope = CatalogSearchScope(query: query)
        scope.admit(id: "1", slug: "git", type: "mcp")
        XCTAssertTrue(scope.isEmpty)
        scope.admit(id: "2", slug: "pets", type: "openapi")
        XCTAssertEqual(scope.slugs, ["2": "pets"])
        query.source = nil
        query.type = "mcp"
        var byType = CatalogSearchScope(query: query)
        byType.admit(id: "1", slug: "git", type: "mcp")
        byType.admit(id: "2", slug: "pets", type: "openapi")
        XCTAssertEqual(byType.slugs, ["1": "git"])
    }
}
