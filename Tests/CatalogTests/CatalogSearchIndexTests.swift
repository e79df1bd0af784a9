import Catalog
import Foundation
import GRDB
import JunctionCore
import Secrets
import Store
import TestSupport
import XCTest

/// The catalog ranking understands API language (word forms, synonyms, HTTP semantics,
/// field weights, split identifiers), says why each hit matched, breaks ties by call name,
/// and never serves a catalog older than the store's.
///
/// Until issue 13 the contract was "ranks exactly as FTS5's bm25() over the same table"
/// (`testRankingMatchesFTS5BM25`); plain BM25 is now the baseline the ranking must beat
/// (CatalogSearchQualityTests), and the tests below pin the behaviours that beat it.
final class CatalogSearchIndexTests: XCTestCase {
    var db: SQLiteStore!
    let box = SecretBox(keyring: .random())

    override func setUp() async throws {
        db = try SQLiteStore(path: TestEnvironment.temporaryDirectory().appendingPathComponent("junction.sqlite").path)
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

    /// A source holding `drafts`; returns the owner.
    private func catalog(_ drafts: [CatalogEntryDraft], slug: String = "api") throws -> String {
        let user = try db.userCreatingIfNeeded(email: "\(slug)-\(UUID().uuidString.prefix(6))@example.com")
        let source = try db.createSource(owner: user.id, draft: SourceDraft(slug: slug, type: .openapi, name: slug, baseUrl: nil,
                                                                           specUrl: "https://\(slug).example/s"), box: box)
        try db.replaceCatalog(owner: user.id, sourceID: source.id, drafts: drafts)
        return user.id
    }

    private func op(_ method: String, _ path: String, _ id: String, _ title: String, _ description: String = "",
                    params: [String] = []) -> CatalogEntryDraft {
        CatalogEntryDraft(operationKey: "\(method) \(path)", nameHint: id, kind: .operation, title: title, description: description,
                          method: method, path: path, inputSchema: .object([:]), parameterNames: params)
    }

    private func top(_ owner: String, _ query: String, _ n: Int = 1) throws -> [String] {
        try db.searchCatalog(owner: owner, query: CatalogQuery(text: query, limit: max(n, 10))).prefix(n).map(\.callName)
    }

    /// The misses the issue reports, on the shape of the API it tried (Jupyter's REST API:
    /// contents, checkpoints, sessions, kernels, terminals) next to a forge's teams and users.
    func testTheIssuesExamplesRankFirst() throws {
        let owner = try catalog([
            op("GET", "/api/contents/{path}", "get_contents", "Get contents of file or directory",
               "A 400 will be returned if the path is not a directory or a file.", params: ["path", "type", "format", "content"]),
            op("POST", "/api/contents/{path}", "create_contents", "Create a new file in the specified path",
               "A POST to /api/contents/path creates a New untitled, empty file or directory.", params: ["path"]),
            op("PATCH", "/api/contents/{path}", "rename_contents", "Rename a file or directory without re-uploading content", params: ["path"]),
            op("PUT", "/api/contents/{path}", "save_contents", "Save or upload file.", params: ["path"]),
            op("DELETE", "/api/contents/{path}", "delete_contents", "Delete a file in the given path", params: ["path"]),
            op("GET", "/api/contents/{path}/checkpoints", "list_checkpoints", "Get a list of checkpoints for a file", params: ["path"]),
            op("POST", "/api/contents/{path}/checkpoints", "create_checkpoint", "Create a new checkpoint for a file", params: ["path"]),
            op("POST", "/api/contents/{path}/checkpoints/{checkpoint_id}", "restore_checkpoint", "Restore a file to a particular checkpointed state"),
            op("DELETE", "/api/contents/{path}/checkpoints/{checkpoint_id}", "delete_checkpoint", "Delete a checkpoint"),
            op("GET", "/api/sessions", "list_sessions", "List available sessions"),
            op("POST", "/api/sessions", "create_session", "Create a new session, or return an existing session if a session of the same name already exists"),
            op("GET", "/api/sessions/{session}", "get_session", "Get session"),
            op("DELETE", "/api/sessions/{session}", "delete_session", "Delete a session"),
            op("GET", "/api/kernels", "list_kernels", "List the JSON data for all kernels that are currently running"),
            op("POST", "/api/kernels", "start_kernel", "Start a kernel and return the uuid"),
            op("GET", "/api/kernels/{kernel_id}", "get_kernel", "Get kernel information"),
            op("POST", "/api/kernels/{kernel_id}/restart", "restart_kernel", "Restart a kernel"),
            op("GET", "/api/kernelspecs", "list_kernelspecs", "Get kernel specs"),
            op("GET", "/api/terminals", "list_terminals", "Get available terminals"),
            op("POST", "/api/terminals", "create_terminal", "Create a new terminal"),
            op("GET", "/api/me", "get_me", "Get the identity of the currently authenticated user"),
            op("GET", "/api/status", "get_status", "Get the current status/activity of the server"),
            op("PUT", "/teams/{id}/members/{username}", "orgAddTeamMember", "Add a team member", params: ["id", "username"]),
            op("GET", "/teams/{id}/members", "orgListTeamMembers", "List a team's members", params: ["id"]),
            op("POST", "/admin/users", "adminCreateUser", "Create a user"),
            op("GET", "/users/{username}", "userGet", "Get a user", params: ["username"]),
        ])
        XCTAssertEqual(try top(owner, "list files in a directory"), ["api_get_contents"])
        XCTAssertEqual(try top(owner, "read the contents of a file"), ["api_get_contents"])
        XCTAssertEqual(try top(owner, "create a new file"), ["api_create_contents"], "the file, not its checkpoint")
        XCTAssertEqual(try top(owner, "add user to group"), ["api_orgAddTeamMember"])
        let hit = try XCTUnwrap(db.searchCatalog(owner: owner, query: CatalogQuery(text: "add user to group", limit: 1)).first)
        XCTAssertEqual(hit.matched, ["add", "add→POST/PUT", "user→member", "group→team"], "a hit says why it matched")
    }

    /// files/file, created/create, remove/delete, folder/directory, repo/repository.
    func testWordFormsAndSynonymsMeet() throws {
        let owner = try catalog([
            op("DELETE", "/pets/{id}", "deletePet", "Delete a pet"),
            op("GET", "/pets/{id}", "getPet", "Get a pet"),
            op("POST", "/folders", "makeFolder", "Make a folder"),
            op("GET", "/repositories/{id}", "getRepository", "Get a repository"),
            op("GET", "/reports", "listReports", "List reports created by a user"),
        ])
        XCTAssertEqual(try top(owner, "remove a pet"), ["api_deletePet"])
        XCTAssertEqual(try top(owner, "destroy pets"), ["api_deletePet"])
        XCTAssertEqual(try top(owner, "create a directory"), ["api_makeFolder"])
        XCTAssertEqual(try top(owner, "fetch a repo"), ["api_getRepository"])
        XCTAssertEqual(try top(owner, "reports creating users"), ["api_listReports"], "creating meets created, users meets user")
    }

    /// A GET on a collection lists it, on an item reads it; POST creates, PATCH updates,
    /// DELETE deletes — even when titles name no verb at all.
    func testHTTPSemanticsTellOperationsApart() throws {
        let owner = try catalog([
            op("GET", "/pets", "pets", "Pets"),
            op("GET", "/pets/{petId}", "pet", "Pet"),
            op("POST", "/pets", "newPet", "Pet"),
            op("PATCH", "/pets/{petId}", "petPatch", "Pet"),
            op("DELETE", "/pets/{petId}", "petGone", "Pet"),
            op("POST", "/services/{id}/update", "ServiceUpdate", "Service"),
        ])
        XCTAssertEqual(try top(owner, "list all pets"), ["api_pets"])
        XCTAssertEqual(try top(owner, "show a pet"), ["api_pet"])
        XCTAssertEqual(try top(owner, "add a pet"), ["api_newPet"])
        XCTAssertEqual(try top(owner, "modify a pet"), ["api_petPatch"])
        XCTAssertEqual(try top(owner, "remove a pet"), ["api_petGone"])
        XCTAssertEqual(try top(owner, "change a service"), ["api_ServiceUpdate"], "RPC-style POST …/update updates")
    }

    func testTitleOutweighsALongDescriptionAndIdentifiersAreSplit() throws {
        let noise = Array(repeating: "The archive flag is kept; archive settings follow the archive policy of the owner.", count: 12).joined(separator: " ")
        let owner = try catalog([
            op("POST", "/projects/{id}/archive", "archiveProject", "Archive a project", "Moves the project out of the active list."),
            op("PATCH", "/projects/{id}", "patchProject", "Rename a project", noise),
            op("GET", "/repos/{owner}/{repo}/contents/{filepath}", "repoGetContents", "", params: ["owner", "repo", "filepath", "ref"]),
            op("GET", "/api/v1/namespaces/{namespace}/configmaps", "listCoreV1NamespacedConfigMap", ""),
        ])
        XCTAssertEqual(try top(owner, "archive a project"), ["api_archiveProject"])
        XCTAssertEqual(try top(owner, "repo get contents"), ["api_repoGetContents"], "operation ids are split into words")
        XCTAssertEqual(try top(owner, "filepath"), ["api_repoGetContents"], "parameter names are searchable")
        XCTAssertEqual(try top(owner, "config maps"), ["api_listCoreV1NamespacedConfigMap"], "camelCase parts")
        XCTAssertEqual(try top(owner, "configmaps"), ["api_listCoreV1NamespacedConfigMap"], "and the compound")
    }

    /// Equal scores are ordered by call name, whatever order the entries were stored in.
    func testTiesBreakByCallName() throws {
        let names = ["zeta", "alpha", "mid", "beta"]
        let a = try catalog(names.map { op("GET", "/things/\($0)", "\($0)Thing", "Thing report") }, slug: "a")
        let b = try catalog(names.reversed().map { op("GET", "/things/\($0)", "\($0)Thing", "Thing report") }, slug: "b")
        XCTAssertEqual(try top(a, "thing report", 4), ["a_alphaThing", "a_betaThing", "a_midThing", "a_zetaThing"])
        XCTAssertEqual(try top(b, "thing report", 4).map { $0.replacingOccurrences(of: "b_", with: "a_") }, try top(a, "thing report", 4))
    }

    func testMatchAllNeedsEveryWordThroughAnyOfItsForms() throws {
        let owner = try catalog([
            op("DELETE", "/pets/{id}", "deletePet", "Delete a pet"),
            op("DELETE", "/users/{id}", "deleteUser", "Delete a user"),
            op("GET", "/pets", "listPets", "List pets"),
        ])
        let all = try db.searchCatalog(owner: owner, query: CatalogQuery(text: "remove pets", limit: 10, matchAll: true)).map(\.callName)
        XCTAssertEqual(all, ["api_deletePet"])
        let any = try db.searchCatalog(owner: owner, query: CatalogQuery(text: "remove pets", limit: 10)).map(\.callName)
        XCTAssertEqual(Set(any), ["api_deletePet", "api_deleteUser", "api_listPets"])
    }

    /// Query text is only ever split into words: operators, quotes and huge inputs are inert.
    func testHostileQueryTextIsInert() throws {
        let owner = try catalog([op("GET", "/pets", "listPets", "List pets")])
        for text in ["\"", "pets\" OR 1=1 --", "NEAR(pets)", "*", "pets*", "^pets", "' ; DROP TABLE catalog_entries; --",
                     String(repeating: "pets ", count: 20_000), "😀 ぺっと ﷽", "\u{0}pets"] {
            XCTAssertNoThrow(try db.searchCatalog(owner: owner, query: CatalogQuery(text: text, limit: 5)), text.prefix(40).description)
        }
        XCTAssertEqual(try top(owner, "pets\" OR 1=1 --"), ["api_listPets"])
        XCTAssertEqual(try db.searchCatalog(owner: owner, query: "pets", limit: 10).count, 1, "the catalog is intact")
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

    func testAnalyzerSplitsIdentifiersAndFoldsText() throws {
        XCTAssertEqual(SearchAnalyzer.runs("listPets_byID v2/Café-Ünïcode"), [["list", "pets", "by", "id"], ["v", "2"], ["cafe", "unicode"]])
        XCTAssertEqual(SearchAnalyzer.runs("HTTPServer getURLs"), [["http", "server"], ["get", "urls"]])
        XCTAssertEqual(SearchAnalyzer.runs("  "), [])
        XCTAssertEqual(SearchAnalyzer.terms("ConfigMap"), ["config", "map", "configmap"])
        XCTAssertEqual(SearchAnalyzer.terms("listCoreV1NamespacedPod"), ["list", "core", "1", "namespac", "pod", "listcor", "namespacedpod"])
        XCTAssertEqual(SearchAnalyzer.terms("Create an access token", phrases: true), ["creat", "an", "access", "createaccess", "token", "accesstoken"])
    }

    /// Porter's published examples, and the word forms of API language.
    func testStemmerConflatesWordForms() {
        let cases = [("caresses", "caress"), ("ponies", "poni"), ("cats", "cat"), ("feed", "feed"), ("agreed", "agre"),
                     ("plastered", "plaster"), ("motoring", "motor"), ("sing", "sing"), ("conflated", "conflat"), ("hopping", "hop"),
                     ("falling", "fall"), ("filing", "file"), ("happy", "happi"), ("key", "key"), ("deploy", "deploy"), ("status", "status"), ("relational", "relat"), ("conditional", "condit"),
                     ("generalization", "gener"), ("electrical", "electr"), ("adjustable", "adjust"), ("controll", "control")]
        for (word, stem) in cases { XCTAssertEqual(PorterStemmer.stem(word), stem, word) }
        for group in [["files", "file"], ["created", "create", "creating", "creates"], ["deployments", "deployment", "deploy"], ["keys", "key"],
                      ["directories", "directory"], ["running", "run", "runs"], ["statuses", "status"], ["policies", "policy"]] {
            XCTAssertEqual(Set(group.map(PorterStemmer.stem)).count, 1, "\(group)")
        }
        for word in ["v2", "ab", "café", "ÜBER", "x"] { XCTAssertEqual(PorterStemmer.stem(word), word, "left alone: \(word)") }
    }

    /// The parse that decides intents and the head noun.
    func testQueryUnderstandsRequestShape() {
        let q = SearchQuery("list swarm nodes")
        XCTAssertEqual(q.head, "nodes")
        XCTAssertEqual(q.concepts.first { $0.word == "swarm" }?.boost, SearchTuning.default.modifierBoost)
        XCTAssertEqual(SearchQuery("get details of an organization").head, "organization", "a light noun gives way")
        XCTAssertEqual(SearchQuery("list the organizations a user belongs to").head, "organizations", "a clause ends the phrase")
        XCTAssertEqual(SearchQuery("show a commit").head, "commit", "a noun after the determiner, even if it can be a verb")
        // "create a new" is one request verb; "running" in "list running containers" asks for no intent of its own.
        XCTAssertEqual(SearchQuery("create a new container").concepts.filter { $0.fixedIDF != nil }.count, 1)
        XCTAssertEqual(SearchQuery("list running containers").concepts.filter { $0.fixedIDF != nil }.map(\.word), ["list"])
        XCTAssertTrue(SearchQuery("log out").concepts.contains { $0.word == "log out" && $0.variants.map(\.term) == ["logout"] }, "phrasal verbs")
        XCTAssertTrue(SearchQuery("stop watching a repo").concepts.contains { $0.variants.contains { $0.term == "unwatch" } })
        XCTAssertTrue(SearchQuery("list pull requests").concepts.contains { !$0.required && $0.variants.map(\.term).contains("pullrequest") }, "compounds")
    }
}
