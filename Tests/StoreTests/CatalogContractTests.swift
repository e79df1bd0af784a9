import Catalog
import Foundation
import JunctionCore
import Secrets
import Store
import Upstream
import XCTest

/// What every store must do with call names, search, catalog lookups, upstream grants and
/// MCP state, tested only through `JunctionStore` (see `StoreContractTestCase`): against
/// SQLite here, against PostgreSQL in `PostgresCatalogContractTests`. The two-host tests
/// open a second store on the same database, as a second host (or process) would.
class CatalogContractTests: StoreContractTestCase {
    private func op(_ key: String, _ hint: String, _ title: String, kind: CatalogEntryKind = .operation,
                    params: [String] = []) -> CatalogEntryDraft {
        let parts = key.split(separator: " ", maxSplits: 1).map(String.init)
        return CatalogEntryDraft(operationKey: key, nameHint: hint, kind: kind, title: title, description: "",
                                 method: parts.count == 2 ? parts[0] : nil, path: parts.count == 2 ? parts[1] : nil,
                                 inputSchema: .object([:]), parameterNames: params)
    }

    private func source(_ owner: String, _ slug: String, type: SourceType = .openapi, baseUrl: String? = nil,
                        auth: SourceAuthType = .none) async throws -> Source {
        try await store.createSource(owner: owner, draft: SourceDraft(slug: slug, type: type, name: slug, baseUrl: baseUrl,
                                                                      specUrl: type == .openapi ? "https://\(slug).example/spec" : nil,
                                                                      authType: auth), box: box)
    }

    private func names(_ entries: [CatalogEntry]) -> [String: String] {
        Dictionary(uniqueKeysWithValues: entries.map { ($0.operationKey, $0.callName) })
    }

    private func search(_ store: any JunctionStore, _ owner: String, _ text: String, limit: Int = 10) async throws -> [String] {
        try await store.searchCatalog(owner: owner, query: CatalogQuery(text: text, limit: limit)).map(\.callName)
    }

    /// B's answer once it reflects a change made through A, given up to 2 s: another host
    /// learns of a change when its notification arrives (PostgreSQL's change feed); with
    /// SQLite the first answer is already current.
    private func settled(_ store: any JunctionStore, _ owner: String, _ text: String, expecting: [String]) async throws -> [String] {
        let deadline = ContinuousClock.now + .seconds(2)
        while true {
            let found = try await search(store, owner, text)
            if found == expecting || ContinuousClock.now > deadline { return found }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    private func setEnabled(_ store: any JunctionStore, _ owner: String, _ slug: String, _ enabled: Bool) async throws {
        var changes = SourceChanges()
        changes.enabled = enabled
        _ = try await store.updateSource(owner: owner, slug: slug, changes: changes, box: box)
    }

    func testCallNamesStayAcrossRefreshesAndNewOnesNeverTakeAnOldName() async throws {
        let u = try await store.userCreatingIfNeeded(email: "u@example.com")
        let s = try await source(u.id, "api")
        let first = try await store.replaceCatalog(owner: u.id, sourceID: s.id, drafts: [op("GET /a", "get_thing", "a"), op("GET /b", "get-thing", "b")])
        XCTAssertEqual(names(first), ["GET /a": "api_get_thing", "GET /b": "api_get_thing_2"], "collisions are numbered in key order")
        // A new operation that sorts first must not take over an existing name.
        let second = try await store.replaceCatalog(owner: u.id, sourceID: s.id, drafts: [
            op("GET /0", "get thing", "new"), op("GET /b", "get-thing", "b"), op("GET /a", "get_thing", "a"),
        ])
        XCTAssertEqual(names(second), ["GET /a": "api_get_thing", "GET /b": "api_get_thing_2", "GET /0": "api_get_thing_3"])
        let stored = try await store.source(owner: u.id, id: s.id)
        XCTAssertEqual(stored?.entryCount, 3)
        XCTAssertEqual(stored?.status, .ready)

        // New sources get names that do not repeat their slug; they too stay put.
        let git = try await source(u.id, "git", type: .mcp, baseUrl: "https://x.example/mcp")
        let tools = try await store.replaceCatalog(owner: u.id, sourceID: git.id, drafts: [
            op("git_log", "git_log", "log", kind: .tool), op("git_status", "git_status", "status", kind: .tool), op("log", "log", "log", kind: .tool),
        ])
        XCTAssertEqual(names(tools), ["git_log": "git_log", "git_status": "git_status", "log": "git_log_2"])
        XCTAssertTrue(tools.first { $0.operationKey == "git_log" }!.signature.hasPrefix("git_log(input?: "), "signatures use the final name")
        let again = try await store.replaceCatalog(owner: u.id, sourceID: git.id, drafts: [
            op("log", "log", "log", kind: .tool), op("git_diff", "git_diff", "diff", kind: .tool), op("git_log", "git_log", "log", kind: .tool),
        ])
        XCTAssertEqual(names(again), ["git_log": "git_log", "log": "git_log_2", "git_diff": "git_diff"])
        let all = try await store.enabledCallNames(owner: u.id)
        XCTAssertEqual(all, ["api_get_thing", "api_get_thing_2", "api_get_thing_3", "git_diff", "git_log", "git_log_2"])
        // A duplicated operation key is stored once.
        let deduplicated = try await store.replaceCatalog(owner: u.id, sourceID: s.id, drafts: [op("GET /a", "get_thing", "a"), op("GET /a", "other", "a")])
        XCTAssertEqual(deduplicated.map(\.callName), ["api_get_thing"])
    }

    /// Call names are unique per owner across sources ("a" + "b_x" and "a_b" + "x" are both
    /// `a_b_x`): refreshes of two sources at once must still name them apart.
    func testConcurrentRefreshesOfOneOwnersSourcesNameApart() async throws {
        let u = try await store.userCreatingIfNeeded(email: "race@example.com")
        let a = try await source(u.id, "a")
        let ab = try await source(u.id, "a_b")
        let store = self.store!
        for round in 0..<5 {
            let owner = u.id
            let (leftDrafts, rightDrafts) = ([op("GET /x\(round)", "b_x\(round)", "x")], [op("GET /x\(round)", "x\(round)", "x")])
            async let left = store.replaceCatalog(owner: owner, sourceID: a.id, drafts: leftDrafts)
            async let right = store.replaceCatalog(owner: owner, sourceID: ab.id, drafts: rightDrafts)
            let (l, r) = try await (left, right)
            XCTAssertEqual(Set(l.map(\.callName) + r.map(\.callName)), ["a_b_x\(round)", "a_b_x\(round)_2"], "round \(round)")
        }
    }

    func testSearchFollowsRepeatedRefreshesAndRanksBeforeLimiting() async throws {
        let u = try await store.userCreatingIfNeeded(email: "s@example.com")
        let s = try await source(u.id, "api")
        for round in 0..<3 {
            try await store.replaceCatalog(owner: u.id, sourceID: s.id, drafts: [op("GET /pets", "listPets", "List pets"),
                                                                               op("POST /orders", "createOrder", "Create order")])
            let pets = try await search(store, u.id, "pets", limit: 5)
            XCTAssertEqual(pets, ["api_listPets"], "round \(round)")
            let both = try await store.searchCatalog(owner: u.id, query: CatalogQuery(text: "create order", matchAll: true)).map(\.callName)
            XCTAssertEqual(both, ["api_createOrder"], "round \(round)")
        }
        var drafts = (0..<50).map { op("GET /x\($0)", "op\($0)", "Something about widgets \($0)") }
        drafts.append(op("GET /pets", "listPets", "List pets"))
        drafts.append(op("GET /repos/{owner}/{repo}/contents/{filepath}", "repoGetContents", "", params: ["owner", "filepath"]))
        try await store.replaceCatalog(owner: u.id, sourceID: s.id, drafts: drafts)
        let top = try await search(store, u.id, "pets", limit: 1)
        XCTAssertEqual(top, ["api_listPets"], "ranked before the limit, whatever the storage order")
        let byParam = try await search(store, u.id, "filepath", limit: 1)
        XCTAssertEqual(byParam, ["api_repoGetContents"], "parameter names are searchable")
        let split = try await search(store, u.id, "repo get contents", limit: 1)
        XCTAssertEqual(split, ["api_repoGetContents"], "operation ids are split into words")
        for hostile in ["\"", "pets OR", "NEAR(", "*", "a:b", "') DROP TABLE sources; --", "^", "\u{0}pets", "😀 ぺっと"] {
            _ = try await search(store, u.id, hostile, limit: 5)
        }
        let intact = try await store.sources(owner: u.id)
        XCTAssertEqual(intact.count, 1, "hostile queries are inert")
        let listed = try await search(store, u.id, "", limit: 3)
        XCTAssertEqual(listed, ["api_listPets", "api_op0", "api_op1"], "an empty query lists by call name")
    }

    func testFiltersApplyBeforeLimitingAndDisabledSourcesAreHidden() async throws {
        let u = try await store.userCreatingIfNeeded(email: "f@example.com")
        let alpha = try await source(u.id, "alpha")
        let beta = try await source(u.id, "beta", type: .mcp, baseUrl: "https://beta.example/mcp")
        try await store.replaceCatalog(owner: u.id, sourceID: alpha.id, drafts: (0..<30).map { op("GET /invoices/\($0)", "getInvoice\($0)", "Get invoice \($0)") })
        try await store.replaceCatalog(owner: u.id, sourceID: beta.id, drafts: [op("invoice_tool", "invoice_tool", "Invoice tool", kind: .tool)])
        let onlyBeta = try await store.searchCatalog(owner: u.id, query: CatalogQuery(text: "invoice", source: "beta", limit: 1))
        XCTAssertEqual(onlyBeta.map(\.callName), ["beta_invoice_tool"])
        XCTAssertEqual(onlyBeta.first?.source, "beta")
        let mcp = try await store.searchCatalog(owner: u.id, query: CatalogQuery(text: "invoice", type: "mcp", limit: 1))
        XCTAssertEqual(mcp.map(\.callName), ["beta_invoice_tool"])
        let tools = try await store.searchCatalog(owner: u.id, query: CatalogQuery(text: "invoice", kind: "tool", limit: 1))
        XCTAssertEqual(tools.map(\.callName), ["beta_invoice_tool"])
        try await setEnabled(store, u.id, "beta", false)
        let hidden = try await store.searchCatalog(owner: u.id, query: CatalogQuery(text: "invoice tool", limit: 50))
        XCTAssertFalse(hidden.isEmpty)
        XCTAssertTrue(hidden.allSatisfy { $0.source == "alpha" }, "a disabled source's entries are not found")
        let none = try await store.searchCatalog(owner: u.id, query: CatalogQuery(text: "invoice", source: "beta", limit: 5))
        XCTAssertEqual(none.count, 0)
    }

    func testCombinedSpecAndLookupsCoverOnlyEnabledSources() async throws {
        let u = try await store.userCreatingIfNeeded(email: "c@example.com")
        let other = try await store.userCreatingIfNeeded(email: "o@example.com")
        let pets = try await source(u.id, "pets")
        let tools = try await source(u.id, "tools", type: .mcp, baseUrl: "https://tools.example/mcp")
        let spec: @Sendable ([String: String]) -> JSONValue = { names in
            ["slug": "pets", "title": "Pets", "paths": ["/pets": ["get": ["operationId": .string(names["GET /pets"] ?? "?")]]]]
        }
        try await store.replaceCatalog(owner: u.id, sourceID: pets.id, drafts: [op("GET /pets", "listPets", "List pets"),
                                                                              op("POST /pets", "createPet", "Create a pet")],
                                       spec: spec, note: nil)
        try await store.replaceCatalog(owner: u.id, sourceID: tools.id, drafts: [op("echo", "echo", "Echo", kind: .tool)])
        let combined = try await store.combinedSpec(owner: u.id)
        XCTAssertEqual(combined["paths"]?["/pets"]?["get"]?["operationId"]?.stringValue, "pets_listPets", "the fragment sees the final names")
        XCTAssertEqual(combined["tags"]?.arrayValue?.count, 1, "only OpenAPI sources have a spec")
        let foreign = try await store.combinedSpec(owner: other.id)
        XCTAssertEqual(foreign["paths"]?.objectValue?.count, 0, "another owner's spec is not theirs")

        let prefixed = try await store.enabledCallNames(owner: u.id, prefix: "pets_")
        XCTAssertEqual(prefixed, ["pets_createPet", "pets_listPets"])
        let narrow = try await store.enabledCallNames(owner: u.id, prefix: "pets_l")
        XCTAssertEqual(narrow, ["pets_listPets"])
        let everything = try await store.enabledCallNames(owner: u.id, prefix: "")
        XCTAssertEqual(everything, ["pets_createPet", "pets_listPets", "tools_echo"])
        let found = try await store.callable(owner: u.id, callName: "pets_listPets")
        XCTAssertEqual(found?.0.operationKey, "GET /pets")
        XCTAssertEqual(found?.0.method, "GET")
        XCTAssertNotNil(found?.0.id)
        XCTAssertTrue(found?.0.declaration.contains("pets_listPets") ?? false)
        XCTAssertEqual(found?.1.id, pets.id)
        let stolen = try await store.callable(owner: other.id, callName: "pets_listPets")
        XCTAssertNil(stolen, "another owner cannot call it")

        try await setEnabled(store, u.id, "pets", false)
        let disabledCall = try await store.callable(owner: u.id, callName: "pets_listPets")
        XCTAssertNil(disabledCall, "a disabled source's entries are not callable")
        let remaining = try await store.enabledCallNames(owner: u.id)
        XCTAssertEqual(remaining, ["tools_echo"])
        let noSpec = try await store.combinedSpec(owner: u.id)
        XCTAssertEqual(noSpec["paths"]?.objectValue?.count, 0)
    }

    /// Two hosts on one database: each keeps its own in-memory search index, and a change
    /// made through one is seen by the other's next search (the catalog version).
    func testASecondHostSeesCatalogChangesOnceNotified() async throws {
        let hostB = try await StoreFactory.openSecondStore(sharing: store)
        do {
            let hostA = store!
            let u = try await hostA.userCreatingIfNeeded(email: "hosts@example.com")
            let s = try await source(u.id, "zoo")
            try await hostA.replaceCatalog(owner: u.id, sourceID: s.id, drafts: [op("GET /aardvarks", "listAardvarks", "List aardvarks")])
            let first = try await search(hostB, u.id, "aardvark")
            XCTAssertEqual(first, ["zoo_listAardvarks"], "B builds its index from what A wrote")
            let cached = try await search(hostB, u.id, "aardvark")
            XCTAssertEqual(cached, first)

            try await hostA.replaceCatalog(owner: u.id, sourceID: s.id, drafts: [op("GET /badgers", "listBadgers", "List badgers")])
            let replaced = try await settled(hostB, u.id, "badger", expecting: ["zoo_listBadgers"])
            XCTAssertEqual(replaced, ["zoo_listBadgers"], "a catalog replaced through A is found through B once it is notified")
            let old = try await search(hostB, u.id, "aardvark")
            XCTAssertEqual(old, [], "and B's old index is not served")

            try await setEnabled(hostA, u.id, "zoo", false)
            let disabled = try await settled(hostB, u.id, "badger", expecting: [])
            XCTAssertEqual(disabled, [], "a source disabled through A is hidden from B's search")
            let disabledNames = try await hostB.enabledCallNames(owner: u.id)
            XCTAssertEqual(disabledNames, [])
            try await setEnabled(hostA, u.id, "zoo", true)
            let enabled = try await settled(hostB, u.id, "badger", expecting: ["zoo_listBadgers"])
            XCTAssertEqual(enabled, ["zoo_listBadgers"], "and shown again when enabled")

            // B searches again (its index is current), then A deletes and re-creates the
            // slug with another catalog: B finds the new one only.
            try await hostA.deleteSource(owner: u.id, slug: "zoo")
            let deleted = try await settled(hostB, u.id, "badger", expecting: [])
            XCTAssertEqual(deleted, [], "a source deleted through A is gone from B's search")
            let again = try await source(u.id, "zoo")
            try await hostA.replaceCatalog(owner: u.id, sourceID: again.id, drafts: [op("GET /cats", "listCats", "List cats")])
            let recreated = try await settled(hostB, u.id, "cats badgers", expecting: ["zoo_listCats"])
            XCTAssertEqual(recreated, ["zoo_listCats"])
            let throughB = try await hostB.source(owner: u.id, slug: "zoo")
            XCTAssertEqual(throughB?.id, again.id)
        } catch {
            try? await StoreFactory.dispose(hostB, dropping: false)
            throw error
        }
        try await StoreFactory.dispose(hostB, dropping: false)
    }

    func testGrantsMCPStateAndTheSchedulersListingsStayWithTheirSource() async throws {
        let u = try await store.userCreatingIfNeeded(email: "g@example.com")
        let other = try await store.userCreatingIfNeeded(email: "x@example.com")
        let up = try await source(u.id, "up", type: .mcp, baseUrl: "https://mcp.example/mcp", auth: .oauth)
        let grant = UpstreamOAuthGrant(issuer: "https://as.example", tokenEndpoint: "https://as.example/token", resource: "https://mcp.example/mcp",
                                       scope: nil, client: UpstreamOAuthClient(kind: "dcr", clientID: "c1"),
                                       tokens: UpstreamOAuthTokens(accessToken: "at", refreshToken: "rt", expiresIn: 60))
        try await store.saveSourceOAuthGrant(owner: other.id, sourceID: up.id, grant: grant, box: box)
        let notSaved = try await store.sourceOAuthGrant(owner: u.id, sourceID: up.id, box: box)
        XCTAssertNil(notSaved, "a grant is saved only onto the owner's own source")
        try await store.saveSourceOAuthGrant(owner: u.id, sourceID: up.id, grant: grant, box: box)
        let opened = try await store.sourceOAuthGrant(owner: u.id, sourceID: up.id, box: box)
        XCTAssertEqual(opened?.accessToken, "at")
        XCTAssertEqual(opened?.refreshToken, "rt")
        let foreignGrant = try await store.sourceOAuthGrant(owner: other.id, sourceID: up.id, box: box)
        XCTAssertNil(foreignGrant)
        let expiring = try await store.sourceOAuthExpiring(before: Date().addingTimeInterval(120))
        XCTAssertEqual(expiring.map { [$0.owner, $0.sourceID] }, [[u.id, up.id]])
        let notYet = try await store.sourceOAuthExpiring(before: Date())
        XCTAssertEqual(notYet, [])

        var rename = SourceChanges()
        rename.name = "Renamed"
        _ = try await store.updateSource(owner: u.id, slug: "up", changes: rename, box: box)
        let kept = try await store.sourceOAuthGrant(owner: u.id, sourceID: up.id, box: box)
        XCTAssertNotNil(kept, "a rename keeps the grant")
        var move = SourceChanges()
        move.baseUrl = .some("https://elsewhere.example/mcp")
        _ = try await store.updateSource(owner: u.id, slug: "up", changes: move, box: box)
        let forgotten = try await store.sourceOAuthGrant(owner: u.id, sourceID: up.id, box: box)
        XCTAssertNil(forgotten, "a token issued for one server is never sent to the new URL")

        let info = MCPConnectionInfo(transport: .streamableHTTP, protocolVersion: "2025-06-18", serverName: "srv", serverVersion: "1.0")
        try await store.rememberMCPConnection(owner: other.id, sourceID: up.id, info: info)
        let notRemembered = try await store.mcpConnectionInfo(owner: u.id, sourceID: up.id)
        XCTAssertNil(notRemembered, "state is remembered only for the owner's own source")
        try await store.rememberMCPConnection(owner: u.id, sourceID: up.id, info: info)
        try await store.rememberMCPConnection(owner: u.id, sourceID: up.id, info: MCPConnectionInfo(transport: .sse, protocolVersion: "2024-11-05"))
        let remembered = try await store.mcpConnectionInfo(owner: u.id, sourceID: up.id)
        XCTAssertEqual(remembered?.transport, .sse, "remembering again replaces")
        XCTAssertEqual(remembered?.protocolVersion, "2024-11-05")
        XCTAssertNil(remembered?.serverName)
        try await store.forgetMCPConnection(owner: u.id, sourceID: up.id)
        let forgot = try await store.mcpConnectionInfo(owner: u.id, sourceID: up.id)
        XCTAssertNil(forgot)

        // Due for a refresh: enabled, not waiting, oldest first; a refresh moves it back.
        let ready = try await source(u.id, "ready")
        try await store.replaceCatalog(owner: u.id, sourceID: ready.id, drafts: [])
        let later = Date().addingTimeInterval(60)
        let due = try await store.sourcesDueForRefresh(before: later)
        XCTAssertEqual(due.map { [$0.owner, $0.sourceID] }, [[u.id, ready.id]], "pending sources wait for their first refresh")
        let notDue = try await store.sourcesDueForRefresh(before: Date().addingTimeInterval(-60))
        XCTAssertEqual(notDue, [])
        try await setEnabled(store, u.id, "ready", false)
        let disabled = try await store.sourcesDueForRefresh(before: later)
        XCTAssertEqual(disabled, [], "a disabled source is not refreshed")
        let deleted = try await store.deleteSource(owner: u.id, slug: "up")
        XCTAssertTrue(deleted)
        let missing = try await store.deleteSource(owner: u.id, slug: "up")
        XCTAssertFalse(missing)
    }
}
