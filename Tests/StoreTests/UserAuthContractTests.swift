import Foundation
import Secrets
import Store
import XCTest

/// What every store must do with accounts, sessions, the allowlist, linked identities, the
/// OAuth authorization server's state and the execution log, tested only through
/// `JunctionStore`: against SQLite here, against PostgreSQL in `PostgresUserAuthContractTests`.
class UserAuthContractTests: StoreContractTestCase {
    private func token(_ raw: String, kind: String, family: String, client: String = "c", user: String, resource: String = "https://j.example/mcp",
                       expiresIn: TimeInterval = 3600) -> OAuthToken {
        OAuthToken(id: UUID().uuidString, tokenHash: TokenHasher.hash(raw), kind: kind, familyId: family, clientId: client, userId: user,
                   scope: "mcp", resource: resource, createdAt: Date(), expiresAt: Date().addingTimeInterval(expiresIn), usedAt: nil,
                   revokedAt: nil)
    }

    private func client(_ id: String, kind: String, createdAt: Date = Date()) -> OAuthClientRecord {
        OAuthClientRecord(id: id, kind: kind, name: id, redirectUris: "[\"https://app.example/cb\"]", metadata: "{}",
                          registrationTokenHash: nil, createdAt: createdAt, refreshAfter: nil)
    }

    func testAccountsAreFoundByIdAndEmailListedOldestFirstAndKeepTheirPassword() async throws {
        let empty = try await store.userCount()
        XCTAssertEqual(empty, 0)
        let admin = try await store.createFirstAdmin(email: " Root@Example.com ", passwordHash: "pbkdf2$1")
        XCTAssertTrue(admin.isAdmin)
        XCTAssertEqual(admin.email, "root@example.com", "emails are trimmed and lower-cased")
        let bob = try await store.createUser(email: "bob@example.com", isAdmin: false, passwordHash: nil)
        XCTAssertFalse(bob.isAdmin)
        let count = try await store.userCount()
        XCTAssertEqual(count, 2)
        let byEmail = try await store.user(email: "BOB@example.com")
        XCTAssertEqual(byEmail?.id, bob.id, "email lookup ignores case")
        let byID = try await store.user(id: admin.id)
        XCTAssertEqual(byID?.id, admin.id)
        XCTAssertEqual(byID?.email, "root@example.com")
        let nobody = try await store.user(id: "nope")
        XCTAssertNil(nobody)
        let all = try await store.listUsers()
        XCTAssertEqual(all.map(\.id), [admin.id, bob.id])

        let stored = try await store.passwordHash(userId: admin.id)
        XCTAssertEqual(stored, "pbkdf2$1")
        let none = try await store.passwordHash(userId: bob.id)
        XCTAssertNil(none)
        try await store.setPasswordHash(userId: bob.id, hash: "pbkdf2$2")
        try await store.setPasswordHash(userId: bob.id, hash: "pbkdf2$3")
        let replaced = try await store.passwordHash(userId: bob.id)
        XCTAssertEqual(replaced, "pbkdf2$3", "setting a password replaces the old one")
    }

    func testConcurrentFirstSignInsMakeExactlyOneAdmin() async throws {
        let store = self.store!
        let users = try await withThrowingTaskGroup(of: User.self) { group in
            for i in 0..<8 { group.addTask { try await store.userCreatingIfNeeded(email: "u\(i)@example.com") } }
            return try await group.reduce(into: [User]()) { $0.append($1) }
        }
        XCTAssertEqual(users.filter(\.isAdmin).count, 1, "one admin however the first sign-ins interleave")
        let count = try await store.userCount()
        XCTAssertEqual(count, 8)
    }

    func testDisablingAUserEndsItsSessionsRefusesItsTokensAndBumpsTheEpoch() async throws {
        let user = try await store.userCreatingIfNeeded(email: "d@example.com")
        let cookie = try await store.createWebSession(userId: user.id, lifetime: 3600)
        let (apiToken, _) = try await store.createAPIToken(owner: user.id, name: "cli")
        try await store.insertOAuthTokens([token("access-1", kind: "access", family: "f1", user: user.id)])
        let signedIn = try await store.userForWebSession(token: cookie)
        XCTAssertEqual(signedIn?.id, user.id)
        let viaAccess = try await store.userForBearer("access-1", accessTokenResource: "https://j.example/mcp")
        XCTAssertEqual(viaAccess?.id, user.id)

        let epoch = try await store.authEpoch()
        let disabled = try await store.setUserDisabled(id: user.id, disabled: true)
        XCTAssertEqual(disabled?.disabled, true)
        let bumped = try await store.authEpoch()
        XCTAssertGreaterThan(bumped, epoch, "disabling bumps the auth epoch")
        let session = try await store.userForWebSession(token: cookie)
        XCTAssertNil(session)
        let api = try await store.authenticate(token: apiToken)
        XCTAssertNil(api, "a disabled user's personal token is refused")
        let access = try await store.userForAccessToken("access-1", resource: "https://j.example/mcp")
        XCTAssertNil(access, "a disabled user's access token is refused")

        _ = try await store.setUserDisabled(id: user.id, disabled: false)
        let again = try await store.userForWebSession(token: cookie)
        XCTAssertNil(again, "enabling does not bring back the ended sessions")
        let apiAgain = try await store.authenticate(token: apiToken)
        XCTAssertEqual(apiAgain?.id, user.id)
        let missing = try await store.setUserDisabled(id: "nope", disabled: true)
        XCTAssertNil(missing)
    }

    func testGrantingAndTakingAdminChangesOnlyThatUserAndBumpsTheEpoch() async throws {
        let first = try await store.userCreatingIfNeeded(email: "first@example.com")
        let bob = try await store.createUser(email: "bob@example.com", isAdmin: false, passwordHash: "pbkdf2$b")
        let cookie = try await store.createWebSession(userId: bob.id, lifetime: 3600)
        let epoch = try await store.authEpoch()
        let granted = try await store.setUserAdmin(id: bob.id, isAdmin: true)
        XCTAssertEqual(granted?.isAdmin, true)
        XCTAssertEqual(granted?.email, "bob@example.com")
        let bumped = try await store.authEpoch()
        XCTAssertGreaterThan(bumped, epoch, "a cached identity must not keep the old admin flag")
        let reread = try await store.user(id: bob.id)
        XCTAssertEqual(reread?.isAdmin, true)
        let session = try await store.userForWebSession(token: cookie)
        XCTAssertEqual(session?.isAdmin, true, "the session sees the new flag at once")
        let hash = try await store.passwordHash(userId: bob.id)
        XCTAssertEqual(hash, "pbkdf2$b", "the password is kept")
        let firstAgain = try await store.user(id: first.id)
        XCTAssertEqual(firstAgain?.isAdmin, true, "other users are untouched")

        let taken = try await store.setUserAdmin(id: bob.id, isAdmin: false)
        XCTAssertEqual(taken?.isAdmin, false)
        let listed = try await store.listUsers()
        XCTAssertEqual(Dictionary(uniqueKeysWithValues: listed.map { ($0.email, $0.isAdmin) }),
                       ["first@example.com": true, "bob@example.com": false])
        let missing = try await store.setUserAdmin(id: "nope", isAdmin: true)
        XCTAssertNil(missing)
    }

    func testPersonalTokensAreListedNewestFirstAndRevokedOnlyByTheirOwner() async throws {
        let alice = try await store.userCreatingIfNeeded(email: "alice@example.com")
        let bob = try await store.userCreatingIfNeeded(email: "bob@example.com")
        let (_, first) = try await store.createAPIToken(owner: alice.id, name: "first")
        try await Task.sleep(for: .milliseconds(5))
        let (raw, second) = try await store.createAPIToken(owner: alice.id, name: "second")
        XCTAssertNotEqual(second.tokenHash, raw, "only the hash is kept")
        let listed = try await store.listAPITokens(owner: alice.id)
        XCTAssertEqual(listed.map(\.id), [second.id, first.id])
        let bobs = try await store.listAPITokens(owner: bob.id)
        XCTAssertEqual(bobs, [])
        let stolen = try await store.revokeAPIToken(id: second.id, owner: bob.id)
        XCTAssertFalse(stolen, "bob cannot revoke alice's token")
        let still = try await store.authenticate(token: raw)
        XCTAssertEqual(still?.id, alice.id)
        let revoked = try await store.revokeAPIToken(id: second.id, owner: alice.id)
        XCTAssertTrue(revoked)
        let after = try await store.listAPITokens(owner: alice.id)
        XCTAssertNotNil(after.first { $0.id == second.id }?.revokedAt, "a revoked token stays listed, marked")
    }

    func testUsingATokenLeavesTheAuthEpochAlone() async throws {
        let user = try await store.userCreatingIfNeeded(email: "e@example.com")
        let (raw, _) = try await store.createAPIToken(owner: user.id, name: "cli")
        let epoch = try await store.authEpoch()
        for _ in 0..<3 { _ = try await store.authenticate(token: raw) }
        let listed = try await store.listAPITokens(owner: user.id)
        XCTAssertNotNil(listed.first?.lastUsedAt, "use is recorded")
        let after = try await store.authEpoch()
        XCTAssertEqual(after, epoch, "recording a token's use invalidates no cached answer")
    }

    func testWebSessionsExpireAndEndOnLogout() async throws {
        let user = try await store.userCreatingIfNeeded(email: "s@example.com")
        let expired = try await store.createWebSession(userId: user.id, lifetime: -1)
        let live = try await store.createWebSession(userId: user.id, lifetime: 3600)
        XCTAssertTrue(live.hasPrefix("jws"))
        let old = try await store.userForWebSession(token: expired)
        XCTAssertNil(old, "an expired session signs no one in")
        let current = try await store.userForWebSession(token: live)
        XCTAssertEqual(current?.id, user.id)
        let forged = try await store.userForWebSession(token: live + "x")
        XCTAssertNil(forged)
        try await store.deleteWebSession(token: live)
        let loggedOut = try await store.userForWebSession(token: live)
        XCTAssertNil(loggedOut)
    }

    func testTheAllowlistIsIdempotentSortedAndDeletable() async throws {
        let domain = try await store.addAllowlistEntry(kind: "domain", value: " Example.COM ")
        XCTAssertEqual(domain.value, "example.com")
        let again = try await store.addAllowlistEntry(kind: "domain", value: "example.com")
        XCTAssertEqual(again.id, domain.id, "adding an entry twice keeps one")
        let email = try await store.addAllowlistEntry(kind: "email", value: "ada@example.com")
        let listed = try await store.listAllowlist()
        XCTAssertEqual(listed.map(\.id), [domain.id, email.id])
        let deleted = try await store.deleteAllowlistEntry(id: domain.id)
        XCTAssertTrue(deleted)
        let twice = try await store.deleteAllowlistEntry(id: domain.id)
        XCTAssertFalse(twice)
        let left = try await store.listAllowlist()
        XCTAssertEqual(left.map(\.value), ["ada@example.com"])
    }

    /// A link as "case:user id" (stored times are rounded, so users are compared by id).
    private func describe(_ link: IdentityLink) -> String {
        switch link {
        case .existing(let u): "existing:\(u.id)"
        case .linked(let u): "linked:\(u.id)"
        case .created(let u): "created:\(u.id)"
        case .conflict(let u): "conflict:\(u.id)"
        }
    }

    func testIdentitiesLinkByEmailOnceThenBySubjectOnly() async throws {
        let issuer = "https://idp.example"
        let created = try await store.linkIdentity(issuer: issuer, subject: "s1", email: "New@Example.com")
        guard case .created(let ada) = created else { return XCTFail("expected a new account, got \(created)") }
        XCTAssertTrue(ada.isAdmin, "the first account is the admin")
        XCTAssertEqual(ada.email, "new@example.com")
        let existing = try await store.linkIdentity(issuer: issuer, subject: "s1", email: "new@example.com")
        XCTAssertEqual(describe(existing), "existing:\(ada.id)")

        let bob = try await store.createUser(email: "bob@example.com", isAdmin: false, passwordHash: nil)
        let linked = try await store.linkIdentity(issuer: issuer, subject: "s2", email: "bob@example.com")
        XCTAssertEqual(describe(linked), "linked:\(bob.id)")
        let conflict = try await store.linkIdentity(issuer: issuer, subject: "s3", email: "bob@example.com")
        XCTAssertEqual(describe(conflict), "conflict:\(bob.id)", "an account holds one identity per issuer")
        let otherIssuer = try await store.linkIdentity(issuer: "https://other.example", subject: "s2", email: "bob@example.com")
        XCTAssertEqual(describe(otherIssuer), "linked:\(bob.id)")

        let signIn = try await store.userForIdentity(issuer: issuer, subject: "s2", email: "changed@example.com")
        XCTAssertEqual(signIn?.id, bob.id, "a linked identity signs in whatever email it asserts now")
        let unknown = try await store.userForIdentity(issuer: issuer, subject: "s9", email: "bob@example.com")
        XCTAssertNil(unknown, "an unlinked subject is not found by email")
        let identities = try await store.identities(userId: bob.id)
        XCTAssertEqual(Set(identities.map(\.issuer)), [issuer, "https://other.example"])
        XCTAssertEqual(identities.first { $0.issuer == issuer }?.email, "changed@example.com", "the last asserted email is recorded")
        let invalid = await storeError { _ = try await self.store.linkIdentity(issuer: issuer, subject: "s4", email: "nobody") }
        XCTAssertEqual(invalid, .invalidEmail("nobody"))
    }

    func testClientsAreSavedSweptWhenUnusedAndMetadataDocumentsCapped() async throws {
        let old = Date().addingTimeInterval(-7200)
        try await store.saveOAuthClient(client("dcr-unused", kind: "registered", createdAt: old))
        try await store.saveOAuthClient(client("dcr-used", kind: "registered", createdAt: old))
        try await store.saveOAuthClient(client("dcr-new", kind: "registered"))
        var renamed = client("dcr-new", kind: "registered")
        renamed.name = "Renamed"
        try await store.saveOAuthClient(renamed)
        let saved = try await store.oauthClient(id: "dcr-new")
        XCTAssertEqual(saved?.name, "Renamed", "saving again replaces")
        try await store.markOAuthClientUsed(id: "dcr-used")
        let firstUse = try await store.oauthClient(id: "dcr-used")
        XCTAssertNotNil(firstUse?.firstUsedAt)
        try await store.markOAuthClientUsed(id: "dcr-used")
        let secondUse = try await store.oauthClient(id: "dcr-used")
        XCTAssertEqual(secondUse?.firstUsedAt, firstUse?.firstUsedAt, "the first use is kept")
        let unused = try await store.unusedOAuthClientCount()
        XCTAssertEqual(unused, 2)
        let swept = try await store.sweepUnusedOAuthClients(createdBefore: Date().addingTimeInterval(-3600))
        XCTAssertEqual(swept, 1, "only the old client that never obtained a token goes")
        let gone = try await store.oauthClient(id: "dcr-unused")
        XCTAssertNil(gone)
        let kept = try await store.oauthClient(id: "dcr-used")
        XCTAssertNotNil(kept)

        for i in 0..<4 {
            try await store.saveMetadataClient(client("https://c\(i).example/client.json", kind: "metadata",
                                                      createdAt: Date().addingTimeInterval(Double(i))), keep: 3)
        }
        let cached = try await store.metadataClientCount()
        XCTAssertEqual(cached, 3, "at most `keep` documents")
        let evicted = try await store.oauthClient(id: "https://c0.example/client.json")
        XCTAssertNil(evicted, "the least recently fetched goes first")
        try await store.markOAuthClientUsed(id: "https://c3.example/client.json")
        try await store.saveMetadataClient(client("https://c3.example/client.json", kind: "metadata", createdAt: Date().addingTimeInterval(10)), keep: 3)
        let refetched = try await store.oauthClient(id: "https://c3.example/client.json")
        XCTAssertNotNil(refetched?.firstUsedAt, "a client that completed a flow stays marked across re-fetches")
        let registered = try await store.unusedOAuthClientCount()
        XCTAssertEqual(registered, 1, "metadata documents are not counted as unused registrations")
    }

    func testConsentIsRememberedPerUserAndClient() async throws {
        let user = try await store.userCreatingIfNeeded(email: "c@example.com")
        let before = try await store.consent(userId: user.id, clientId: "app")
        XCTAssertNil(before)
        try await store.saveConsent(userId: user.id, clientId: "app", scope: "mcp")
        try await store.saveConsent(userId: user.id, clientId: "app", scope: "mcp offline")
        let consent = try await store.consent(userId: user.id, clientId: "app")
        XCTAssertEqual(consent?.scope, "mcp offline")
        let other = try await store.consent(userId: user.id, clientId: "other")
        XCTAssertNil(other)
    }

    func testACodeRedeemsOnceAndItsReplayRevokesTheFamily() async throws {
        let user = try await store.userCreatingIfNeeded(email: "code@example.com")
        let code = OAuthCode(codeHash: TokenHasher.hash("code-1"), clientId: "c", userId: user.id, redirectUri: "https://app.example/cb",
                             codeChallenge: "x", scope: "mcp", resource: "https://j.example/mcp", familyId: "fam", expiresAt: Date().addingTimeInterval(60),
                             usedAt: nil)
        try await store.insertOAuthCode(code)
        let first = try await store.redeemOAuthCode(hash: code.codeHash)
        guard case .fresh(let redeemed) = first else { return XCTFail("expected a fresh code, got \(first)") }
        XCTAssertEqual(redeemed.familyId, "fam")
        XCTAssertNotNil(redeemed.usedAt)
        try await store.insertOAuthTokens([token("a1", kind: "access", family: "fam", user: user.id),
                                           token("r1", kind: "refresh", family: "fam", user: user.id)])
        let epoch = try await store.authEpoch()
        let replay = try await store.redeemOAuthCode(hash: code.codeHash)
        guard case .replayed = replay else { return XCTFail("expected a replay, got \(replay)") }
        let access = try await store.oauthToken(hash: TokenHasher.hash("a1"))
        XCTAssertNotNil(access?.revokedAt, "a replayed code revokes the tokens issued from it")
        let refresh = try await store.oauthToken(hash: TokenHasher.hash("r1"))
        XCTAssertNotNil(refresh?.revokedAt)
        let bumped = try await store.authEpoch()
        XCTAssertGreaterThan(bumped, epoch, "revoking tokens bumps the auth epoch")
        let unknown = try await store.redeemOAuthCode(hash: TokenHasher.hash("nope"))
        guard case .unknown = unknown else { return XCTFail("expected unknown, got \(unknown)") }
    }

    func testConcurrentRedemptionsOfOneCodeGiveOneFreshCode() async throws {
        let user = try await store.userCreatingIfNeeded(email: "race@example.com")
        let hash = TokenHasher.hash("code-race")
        try await store.insertOAuthCode(OAuthCode(codeHash: hash, clientId: "c", userId: user.id, redirectUri: "https://app.example/cb",
                                                  codeChallenge: "x", scope: "mcp", resource: "r", familyId: "fr",
                                                  expiresAt: Date().addingTimeInterval(60), usedAt: nil))
        let store = self.store!
        let fresh = try await withThrowingTaskGroup(of: Bool.self) { group in
            for _ in 0..<6 {
                group.addTask {
                    if case .fresh = try await store.redeemOAuthCode(hash: hash) { return true }
                    return false
                }
            }
            return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        XCTAssertEqual(fresh, 1, "a code is exchanged once, however many requests race")
    }

    func testRefreshTokensRotateOnceAndReuseRevokesTheFamily() async throws {
        let user = try await store.userCreatingIfNeeded(email: "r@example.com")
        try await store.insertOAuthTokens([token("a1", kind: "access", family: "fam", user: user.id),
                                           token("r1", kind: "refresh", family: "fam", user: user.id),
                                           token("r-old", kind: "refresh", family: "old", user: user.id, expiresIn: -1)])
        let wrongClient = try await store.useRefreshToken(hash: TokenHasher.hash("r1"), clientId: "other")
        guard case .invalid = wrongClient else { return XCTFail("another client's refresh token is invalid, got \(wrongClient)") }
        let expired = try await store.useRefreshToken(hash: TokenHasher.hash("r-old"), clientId: "c")
        guard case .invalid = expired else { return XCTFail("an expired refresh token is invalid, got \(expired)") }
        let accessAsRefresh = try await store.useRefreshToken(hash: TokenHasher.hash("a1"), clientId: "c")
        guard case .invalid = accessAsRefresh else { return XCTFail("an access token is no refresh token, got \(accessAsRefresh)") }

        let used = try await store.useRefreshToken(hash: TokenHasher.hash("r1"), clientId: "c")
        guard case .fresh(let rotated) = used else { return XCTFail("expected a fresh refresh token, got \(used)") }
        XCTAssertNotNil(rotated.usedAt)
        let retired = try await store.userForAccessToken("a1", resource: "https://j.example/mcp")
        XCTAssertNil(retired, "the access tokens issued before a rotation retire with it")

        try await store.insertOAuthTokens([token("a2", kind: "access", family: "fam", user: user.id),
                                           token("r2", kind: "refresh", family: "fam", user: user.id)])
        let reuse = try await store.useRefreshToken(hash: TokenHasher.hash("r1"), clientId: "c")
        guard case .reused = reuse else { return XCTFail("expected reuse, got \(reuse)") }
        let a2 = try await store.userForAccessToken("a2", resource: "https://j.example/mcp")
        XCTAssertNil(a2, "reuse revokes every token of the family")
        let r2 = try await store.useRefreshToken(hash: TokenHasher.hash("r2"), clientId: "c")
        guard case .invalid = r2 else { return XCTFail("a revoked refresh token is invalid, got \(r2)") }
    }

    func testAccessTokensAnswerOnlyForTheirResourceAndOnlyTheirClientRevokes() async throws {
        let user = try await store.userCreatingIfNeeded(email: "a@example.com")
        try await store.insertOAuthTokens([token("a1", kind: "access", family: "fam", user: user.id),
                                           token("r1", kind: "refresh", family: "fam", user: user.id),
                                           token("a-old", kind: "access", family: "old", user: user.id, expiresIn: -1),
                                           token("a-other", kind: "access", family: "other", user: user.id)])
        let identity = try await store.bearerIdentity("a1", accessTokenResource: "https://j.example/mcp")
        XCTAssertEqual(identity?.user.id, user.id)
        XCTAssertNotNil(identity?.expiresAt, "an access token expires on its own")
        let elsewhere = try await store.userForAccessToken("a1", resource: "https://other.example/mcp")
        XCTAssertNil(elsewhere, "a token for one resource is refused at another")
        let notAsPersonal = try await store.authenticate(token: "a1")
        XCTAssertNil(notAsPersonal, "an access token is not a personal token")
        let expired = try await store.userForAccessToken("a-old", resource: "https://j.example/mcp")
        XCTAssertNil(expired)

        try await store.revokeOAuthToken(hash: TokenHasher.hash("a1"), clientId: "intruder")
        let untouched = try await store.userForAccessToken("a1", resource: "https://j.example/mcp")
        XCTAssertEqual(untouched?.id, user.id, "only the client a token was issued to may revoke it")
        try await store.revokeOAuthToken(hash: TokenHasher.hash("a-other"), clientId: "c")
        let revoked = try await store.userForAccessToken("a-other", resource: "https://j.example/mcp")
        XCTAssertNil(revoked)
        let sibling = try await store.userForAccessToken("a1", resource: "https://j.example/mcp")
        XCTAssertEqual(sibling?.id, user.id, "revoking an access token leaves other grants alone")
        try await store.revokeOAuthToken(hash: TokenHasher.hash("r1"), clientId: "c")
        let family = try await store.userForAccessToken("a1", resource: "https://j.example/mcp")
        XCTAssertNil(family, "revoking a refresh token revokes its family")
    }

    func testAPendingSignInIsTakenOnceAndNotAfterItExpires() async throws {
        let live = OIDCLoginState(stateHash: TokenHasher.hash("st1"), nonce: "n", codeVerifier: "v", next: "/dashboard",
                                  expiresAt: Date().addingTimeInterval(600))
        let stale = OIDCLoginState(stateHash: TokenHasher.hash("st2"), nonce: "n", codeVerifier: "v", next: "/",
                                   expiresAt: Date().addingTimeInterval(-1))
        try await store.insertOIDCState(stale)
        try await store.insertOIDCState(live)
        let taken = try await store.takeOIDCState(hash: live.stateHash)
        XCTAssertEqual(taken?.next, "/dashboard")
        XCTAssertEqual(taken?.codeVerifier, "v")
        let again = try await store.takeOIDCState(hash: live.stateHash)
        XCTAssertNil(again, "a sign-in state is single-use")
        let expired = try await store.takeOIDCState(hash: stale.stateHash)
        XCTAssertNil(expired, "an expired state is refused")
    }

    func testAnExecutionRoundTripsExactlyForItsOwner() async throws {
        let user = try await store.userCreatingIfNeeded(email: "x@example.com")
        let log = ExecutionLog(id: "run-1", owner: user.id, tool: "execute", code: "return 1 // ünïcode ✓", status: "error", durationMs: 42,
                               calls: #"[{"name":"a","ok":false,"durationMs":3}]"#, resultPreview: nil, error: "boom",
                               createdAt: Date(timeIntervalSince1970: 1_700_000_000.25))
        try await store.insertExecution(log)
        let read = try await store.execution(owner: user.id, id: "run-1")
        XCTAssertEqual(read, log)
        let missing = try await store.execution(owner: user.id, id: "run-2")
        XCTAssertNil(missing)
        let unknownCursor = try await store.executions(owner: user.id, limit: 10, after: "no-such-run")
        XCTAssertEqual(unknownCursor.map(\.id), ["run-1"], "an unknown cursor starts from the newest")
    }
}
