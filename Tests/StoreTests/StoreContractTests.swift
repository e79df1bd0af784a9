import Catalog
import Foundation
import JunctionCore
import Secrets
import Store
import Upstream
import XCTest

/// What every store must do with sources and catalogs, tested only through `JunctionStore`
/// (see `StoreContractTestCase`): against SQLite here, against PostgreSQL in
/// `PostgresStoreContractTests`.
class StoreContractTests: StoreContractTestCase {
    private func draft(_ key: String, hint: String, title: String) -> CatalogEntryDraft {
        CatalogEntryDraft(operationKey: key, nameHint: hint, kind: .operation, title: title, description: "", inputSchema: .object([:]))
    }

    private func source(_ owner: String, _ slug: String, baseUrl: String? = nil) async throws -> Source {
        try await store.createSource(owner: owner, draft: SourceDraft(slug: slug, type: .openapi, name: slug, baseUrl: baseUrl,
                                                                      specUrl: "https://\(slug).example/spec"), box: box)
    }

    func testUsersAndTokensRoundTripAndRefuseDuplicatesWithTheirCodes() async throws {
        let first = try await store.userCreatingIfNeeded(email: "Alice@Example.com")
        XCTAssertTrue(first.isAdmin, "the first user becomes admin")
        let again = try await store.userCreatingIfNeeded(email: "alice@example.com")
        XCTAssertEqual(again.id, first.id)
        let (token, record) = try await store.createAPIToken(owner: first.id, name: "t")
        let found = try await store.authenticate(token: token)
        XCTAssertEqual(found?.id, first.id)
        let identity = try await store.bearerIdentity(token, accessTokenResource: nil)
        XCTAssertEqual(identity?.user.id, first.id)
        XCTAssertNil(identity?.expiresAt, "a personal token expires only when revoked")
        let epoch = try await store.authEpoch()
        let revoked = try await store.revokeAPIToken(id: record.id, owner: first.id)
        XCTAssertTrue(revoked)
        let after = try await store.authEpoch()
        XCTAssertGreaterThan(after, epoch, "a revocation bumps the auth epoch")
        let refused = try await store.authenticate(token: token)
        XCTAssertNil(refused)

        let taken = await storeError { _ = try await self.store.createUser(email: "alice@example.com", isAdmin: false, passwordHash: nil) }
        XCTAssertEqual(taken, .emailTaken("alice@example.com"))
        XCTAssertEqual(taken?.code, "conflict")
        XCTAssertEqual(taken?.status, 409)
        let invalid = await storeError { _ = try await self.store.createUser(email: "nobody", isAdmin: false, passwordHash: nil) }
        XCTAssertEqual(invalid?.code, "bad_request")
        XCTAssertEqual(invalid?.message, "'nobody' is not an email address")
        let setup = await storeError { _ = try await self.store.createFirstAdmin(email: "root@example.com", passwordHash: "x") }
        XCTAssertEqual(setup, .setupDone)
    }

    func testStdioSourcesKeepTheirServerAndSecretsSealedToOwnerSourceAndServer() async throws {
        let owner = try await store.userCreatingIfNeeded(email: "stdio@example.com").id
        let created = try await store.createSource(
            owner: owner, draft: SourceDraft(slug: "notes", type: .stdio, name: "Notes", baseUrl: nil, specUrl: nil,
                                             stdioServer: "sqlite", stdioSecrets: ["API_KEY": "k-123"]), box: box)
        let read = try await store.source(owner: owner, slug: "notes")
        let source = try XCTUnwrap(read)
        XCTAssertEqual(source.id, created.id)
        XCTAssertEqual(source.secretSealed, created.secretSealed)
        XCTAssertEqual(source.type, .stdio)
        XCTAssertEqual(source.stdioServer, "sqlite")
        XCTAssertNil(source.baseUrl)
        XCTAssertNotNil(source.secretSealed)
        XCTAssertFalse(source.secretSealed!.contains("k-123"))
        XCTAssertEqual(try source.openStdioSecrets(box: box), ["API_KEY": "k-123"])
        // Never sent anywhere as an HTTP secret.
        let asHTTPSecret = try await store.sourceSecret(source, box: box)
        XCTAssertNil(asHTTPSecret)
        // Sealed to this server: the same ciphertext under another server name does not open.
        var moved = source
        moved.stdioServer = "git"
        XCTAssertThrowsError(try moved.openStdioSecrets(box: box))
        let plain = try await store.createSource(
            owner: owner, draft: SourceDraft(slug: "clock", type: .stdio, name: "Clock", baseUrl: nil, specUrl: nil, stdioServer: "time"),
            box: box)
        XCTAssertNil(plain.secretSealed)
        XCTAssertEqual(try plain.openStdioSecrets(box: box), [:])
    }

    func testSourcesAndCatalogsAreScopedByOwner() async throws {
        let alice = try await store.userCreatingIfNeeded(email: "alice@example.com")
        let bob = try await store.userCreatingIfNeeded(email: "bob@example.com")
        let a = try await source(alice.id, "pets")
        let b = try await source(bob.id, "pets")
        XCTAssertEqual(a.status, .pending, "a new source is pending")
        try await store.replaceCatalog(owner: alice.id, sourceID: a.id, drafts: [draft("GET /pets", hint: "listPets", title: "List pets")])
        try await store.replaceCatalog(owner: bob.id, sourceID: b.id, drafts: [draft("GET /pets", hint: "listPets", title: "List pets")])

        let aliceSources = try await store.sources(owner: alice.id)
        XCTAssertEqual(aliceSources.map(\.id), [a.id])
        XCTAssertEqual(aliceSources.first?.status, .ready, "a written catalog makes the source ready")
        let stolen = try await store.source(owner: alice.id, id: b.id)
        XCTAssertNil(stolen, "alice cannot load bob's source by id")
        let names = try await store.enabledCallNames(owner: alice.id)
        XCTAssertEqual(names, ["pets_listPets"])
        let hits = try await store.searchCatalog(owner: alice.id, query: CatalogQuery(text: "pets"))
        XCTAssertEqual(hits.map(\.callName), ["pets_listPets"])
        let callable = try await store.callable(owner: alice.id, callName: "pets_listPets")
        XCTAssertEqual(callable?.1.id, a.id)
        let gone = await storeError { try await self.store.replaceCatalog(owner: alice.id, sourceID: b.id, drafts: []) }
        XCTAssertEqual(gone, .sourceGone(b.id), "alice cannot write bob's catalog")
        let slug = await storeError { _ = try await self.source(alice.id, "pets") }
        XCTAssertEqual(slug?.message, "a source with slug 'pets' already exists")
        XCTAssertEqual(slug?.code, "conflict")
        let deleted = try await store.deleteSource(owner: alice.id, slug: "pets")
        XCTAssertTrue(deleted)
        let bobs = try await store.searchCatalog(owner: bob.id, query: "pets", limit: 10)
        XCTAssertEqual(bobs.count, 1, "deleting alice's source left bob's catalog")
    }

    func testIndexingWarningsArriveWithTheReadyStatusInOneWrite() async throws {
        let user = try await store.userCreatingIfNeeded(email: "w@example.com")
        let s = try await source(user.id, "warned")
        try await store.replaceCatalog(owner: user.id, sourceID: s.id, drafts: [draft("GET /a", hint: "a", title: "A")],
                                       spec: nil, note: "indexed with warnings: external $ref not followed: x")
        let warned = try await store.source(owner: user.id, id: s.id)
        XCTAssertEqual(warned?.status, .ready)
        XCTAssertEqual(warned?.lastError, "indexed with warnings: external $ref not followed: x")
        try await store.replaceCatalog(owner: user.id, sourceID: s.id, drafts: [draft("GET /a", hint: "a", title: "A")])
        let clean = try await store.source(owner: user.id, id: s.id)
        XCTAssertNil(clean?.lastError, "a refresh without warnings clears the old ones")
    }

    func testTransitionsFollowTheTableAndRefuseTheRest() async throws {
        let user = try await store.userCreatingIfNeeded(email: "t@example.com")
        let s = try await source(user.id, "svc")
        func status() async throws -> SourceStatus? { try await store.source(owner: user.id, id: s.id)?.status }

        // pending → ready is refused: only a refresh makes a source usable.
        let skipped = await storeError { try await self.store.transitionSource(owner: user.id, id: s.id, to: .ready, error: nil) }
        XCTAssertEqual(skipped, .illegalTransition(from: .pending, to: .ready))
        XCTAssertEqual(skipped?.code, "illegal_status_transition")
        let unchanged = try await status()
        XCTAssertEqual(unchanged, .pending, "a refused transition changes nothing")

        let queued = try await store.markRefreshQueued(owner: user.id, id: s.id)
        XCTAssertTrue(queued)
        let twice = try await store.markRefreshQueued(owner: user.id, id: s.id)
        XCTAssertFalse(twice, "a queued source is not queued again")
        try await store.transitionSource(owner: user.id, id: s.id, to: .refreshing, error: nil)
        try await store.transitionSource(owner: user.id, id: s.id, to: .error, error: "boom")
        let failed = try await store.source(owner: user.id, id: s.id)
        XCTAssertEqual(failed?.status, .error)
        XCTAssertEqual(failed?.lastError, "boom")
        // error → ready is refused; error → pending too.
        for next in [SourceStatus.ready, .pending] {
            let refused = await storeError { try await self.store.transitionSource(owner: user.id, id: s.id, to: next, error: nil) }
            XCTAssertEqual(refused, .illegalTransition(from: .error, to: next))
        }
        // `from` guards a restore: nothing changes unless the source is still in it.
        let restored = try await store.transitionSource(owner: user.id, id: s.id, from: .queued, to: .ready, error: nil)
        XCTAssertFalse(restored)
        let still = try await status()
        XCTAssertEqual(still, .error)
        // queued may go back to what it was (a refused enqueue restores the old status).
        _ = try await store.markRefreshQueued(owner: user.id, id: s.id)
        let back = try await store.transitionSource(owner: user.id, id: s.id, from: .queued, to: .error, error: "boom")
        XCTAssertTrue(back)
        // Another owner's source is not found, so nothing moves.
        let foreign = try await store.transitionSource(owner: "someone-else", id: s.id, to: .queued, error: nil)
        XCTAssertFalse(foreign)
    }

    func testTheTransitionTable() {
        XCTAssertEqual(SourceStatus(rawValue: "needs_sign_in"), .needsSignIn, "stored as the strings the API has always shown")
        XCTAssertEqual(Set(SourceStatus.allCases.map(\.rawValue)), ["pending", "queued", "refreshing", "ready", "error", "needs_sign_in"])
        for from in SourceStatus.allCases {
            XCTAssertTrue(from.canTransition(to: .queued), "\(from) can always be queued (a refresh request)")
            XCTAssertTrue(from.canTransition(to: .refreshing), "\(from) → refreshing (a refresher takes the job)")
            XCTAssertTrue(from.canTransition(to: .error), "\(from) → error (a refresh fails or is lost)")
            XCTAssertTrue(from.canTransition(to: .needsSignIn), "\(from) → needs_sign_in")
            XCTAssertEqual(from.canTransition(to: .pending), from == .queued, "\(from) → pending only as a restore")
        }
        let toReady = SourceStatus.allCases.filter { $0.canTransition(to: .ready) }
        XCTAssertEqual(Set(toReady), [.queued, .refreshing, .ready])
    }

    func testAnEditMovesTheStatusOnlyAlongTheTable() async throws {
        let user = try await store.userCreatingIfNeeded(email: "edit@example.com")
        _ = try await source(user.id, "svc")
        var changes = SourceChanges()
        changes.status = .ready
        let refused = await storeError { _ = try await self.store.updateSource(owner: user.id, slug: "svc", changes: changes, box: self.box) }
        XCTAssertEqual(refused, .illegalTransition(from: .pending, to: .ready))
        changes.status = .queued
        changes.name = "Renamed"
        let updated = try await store.updateSource(owner: user.id, slug: "svc", changes: changes, box: box)
        XCTAssertEqual(updated?.status, .queued)
        XCTAssertEqual(updated?.name, "Renamed")
    }

    func testASecretIsBoundToItsOriginAndTheRefusalsKeepTheirCodes() async throws {
        let user = try await store.userCreatingIfNeeded(email: "s@example.com")
        let required = await storeError {
            _ = try await self.store.createSource(owner: user.id, draft: SourceDraft(slug: "nobase", type: .openapi, name: "n", baseUrl: nil,
                                                                                   specUrl: "https://x.example/s", authType: .bearer, secret: "k"),
                                                  box: self.box)
        }
        XCTAssertEqual(required?.code, "secret_origin_required")
        XCTAssertEqual(required?.status, 400)
        let s = try await store.createSource(owner: user.id, draft: SourceDraft(slug: "gh", type: .openapi, name: "gh", baseUrl: "https://x.example",
                                                                              specUrl: "https://x.example/s", authType: .bearer, secret: "ghp"),
                                             box: box)
        let secret = try await store.sourceSecret(s, box: box)
        XCTAssertEqual(secret, "ghp")
        var move = SourceChanges()
        move.baseUrl = .some("https://elsewhere.example")
        let moved = await storeError { _ = try await self.store.updateSource(owner: user.id, slug: "gh", changes: move, box: self.box) }
        XCTAssertEqual(moved?.code, "secret_origin_changed")
        XCTAssertEqual(moved?.status, 409)
        var unbound = s
        unbound.secretOrigin = nil
        let needs = await storeError { _ = try await self.store.sourceSecret(unbound, box: self.box) }
        XCTAssertEqual(needs, .sourceNeedsSecret("gh"))
        XCTAssertEqual(needs?.code, "source_needs_secret")
        XCTAssertEqual(needs?.status, 409)
    }

    func testExecutionsAreOwnerScopedNewestFirstWithAKeysetCursor() async throws {
        let a = try await store.userCreatingIfNeeded(email: "a@example.com")
        let b = try await store.userCreatingIfNeeded(email: "b@example.com")
        for (i, owner) in [a.id, a.id, b.id, a.id].enumerated() {
            try await store.insertExecution(ExecutionLog(id: "e\(i)", owner: owner, tool: "execute", code: "1", status: "ok", durationMs: i,
                                                         calls: "[]", resultPreview: nil, error: nil,
                                                         createdAt: Date(timeIntervalSince1970: Double(1000 + i))))
        }
        let page = try await store.executions(owner: a.id, limit: 2)
        XCTAssertEqual(page.map(\.id), ["e3", "e1"])
        let next = try await store.executions(owner: a.id, limit: 2, after: "e1")
        XCTAssertEqual(next.map(\.id), ["e0"])
        let foreign = try await store.execution(owner: a.id, id: "e2")
        XCTAssertNil(foreign, "one owner's run is invisible to another")
    }
}
