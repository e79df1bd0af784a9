import Foundation
import Secrets
import Store
import Upstream
import XCTest

/// The pure source logic both stores run: registering a draft and applying an edit.
final class SourceChangesApplyTests: XCTestCase {
    let box = SecretBox(keyring: .random())
    let owner = "owner-1"

    private func source(auth: SourceAuthType, baseUrl: String? = "https://api.example.com/v1", secret: String? = "s3cret",
                        status: SourceStatus = .ready) throws -> Source {
        var source = try SourceDraft(slug: "demo", type: .mcp, name: "Demo", baseUrl: baseUrl, specUrl: nil, authType: auth,
                                     secret: secret).newSource(owner: owner, box: box)
        source.status = status
        return source
    }

    private func changes(_ edit: (inout SourceChanges) -> Void) -> SourceChanges {
        var changes = SourceChanges()
        edit(&changes)
        return changes
    }

    private func open(_ source: Source) throws -> String {
        let origin = try XCTUnwrap(source.secretBoundOrigin)
        return try box.open(XCTUnwrap(source.secretSealed),
                            context: SecretBinding.sealingContext(owner: source.owner, sourceID: source.id, origin: origin))
    }

    // MARK: Registration

    func testNewSourceSealsItsSecretBoundToOwnerSourceAndBaseOrigin() throws {
        let draft = SourceDraft(slug: "demo", type: .openapi, name: "Demo", baseUrl: "https://api.example.com/v1", specUrl: nil,
                                authType: .bearer, secret: "tok")
        let source = try draft.newSource(owner: owner, box: box, id: "src-1", now: Date(timeIntervalSince1970: 100))
        XCTAssertEqual(source.id, "src-1")
        XCTAssertEqual(source.status, .pending)
        XCTAssertTrue(source.enabled)
        XCTAssertEqual(source.createdAt, Date(timeIntervalSince1970: 100))
        XCTAssertEqual(source.secretOrigin, "https://api.example.com:443")
        XCTAssertNotEqual(source.secretSealed, "tok", "the secret is stored sealed")
        XCTAssertEqual(try open(source), "tok")
        let elsewhere = SecretBinding.sealingContext(owner: "owner-2", sourceID: "src-1", origin: try XCTUnwrap(source.secretBoundOrigin))
        XCTAssertThrowsError(try box.open(XCTUnwrap(source.secretSealed), context: elsewhere), "another owner's row cannot open it")
    }

    func testAStdioSourcesSecretsAreReplacedSealedToItsServerAndOtherEditsKeepThem() throws {
        let source = try SourceDraft(slug: "gh", type: .stdio, name: "GitHub", baseUrl: nil, specUrl: nil, stdioServer: "github",
                                     stdioSecrets: ["GITHUB_TOKEN": "old"]).newSource(owner: owner, box: box)
        let renamed = try changes { $0.name = "Hub" }.apply(to: source, box: box).source
        XCTAssertEqual(try renamed.openStdioSecrets(box: box), ["GITHUB_TOKEN": "old"])
        let rotated = try changes { $0.stdioSecrets = ["GITHUB_TOKEN": "new"] }.apply(to: source, box: box).source
        XCTAssertEqual(try rotated.openStdioSecrets(box: box), ["GITHUB_TOKEN": "new"])
        XCTAssertNil(rotated.secretOrigin)
        // Not for other types: an MCP source's secret stays where auth puts it.
        let mcp = try self.source(auth: .bearer)
        let untouched = try changes { $0.stdioSecrets = ["X": "y"] }.apply(to: mcp, box: box).source
        XCTAssertEqual(untouched.secretSealed, mcp.secretSealed)
    }

    func testNewSourceWithASecretButNoOriginIsRefused() {
        let draft = SourceDraft(slug: "demo", type: .openapi, name: "Demo", baseUrl: nil, specUrl: "https://specs.example.com/x.json",
                                authType: .bearer, secret: "tok")
        XCTAssertThrowsError(try draft.newSource(owner: owner, box: box)) { error in
            guard case StoreError.secretOriginRequired = error else { return XCTFail("\(error)") }
        }
    }

    // MARK: OAuth grant

    func testMovingAnOAuthSourceToAnotherURLDropsItsGrant() throws {
        let oauth = try source(auth: .oauth, secret: nil)
        let (moved, drops) = try changes { $0.baseUrl = .some("https://other.example.com/mcp") }.apply(to: oauth, box: box)
        XCTAssertTrue(drops)
        XCTAssertEqual(moved.baseUrl, "https://other.example.com/mcp")
    }

    func testLeavingOAuthDropsTheGrant() throws {
        let oauth = try source(auth: .oauth, secret: nil)
        XCTAssertTrue(try changes { $0.authType = SourceAuthType.none }.apply(to: oauth, box: box).dropsOAuthGrant)
    }

    func testEditsThatKeepAnOAuthSourceWhereItWasKeepTheGrant() throws {
        let oauth = try source(auth: .oauth, secret: nil)
        XCTAssertFalse(try changes { $0.baseUrl = .some(oauth.baseUrl); $0.authType = .oauth; $0.name = "New" }
            .apply(to: oauth, box: box).dropsOAuthGrant)
        XCTAssertFalse(try SourceChanges().apply(to: oauth, box: box).dropsOAuthGrant)
    }

    func testANonOAuthSourceHasNoGrantToDrop() throws {
        let plain = try source(auth: .none, secret: nil)
        XCTAssertFalse(try changes { $0.baseUrl = .some("https://other.example.com"); $0.authType = .oauth }
            .apply(to: plain, box: box).dropsOAuthGrant)
    }

    // MARK: Secrets

    func testAKeptSecretNeverMovesToAnotherOrigin() throws {
        let bearer = try source(auth: .bearer)
        XCTAssertThrowsError(try changes { $0.baseUrl = .some("https://evil.example.net/v1") }.apply(to: bearer, box: box)) { error in
            guard case StoreError.secretOriginChanged = error else { return XCTFail("\(error)") }
        }
        let samePlace = try changes { $0.baseUrl = .some("https://api.example.com/v2") }.apply(to: bearer, box: box).source
        XCTAssertEqual(samePlace.secretSealed, bearer.secretSealed, "a move on the same origin keeps the secret as sealed")
    }

    func testANewSecretIsSealedForTheNewOrigin() throws {
        let bearer = try source(auth: .bearer)
        let moved = try changes { $0.baseUrl = .some("https://new.example.org/v1"); $0.secret = .some("fresh") }
            .apply(to: bearer, box: box).source
        XCTAssertEqual(moved.secretOrigin, "https://new.example.org:443")
        XCTAssertEqual(try open(moved), "fresh")
    }

    func testRemovingTheSecretClearsItsOrigin() throws {
        let removed = try changes { $0.secret = .some(nil) }.apply(to: try source(auth: .bearer), box: box).source
        XCTAssertNil(removed.secretSealed)
        XCTAssertNil(removed.secretOrigin)
    }

    // MARK: Fields and status

    func testChangesApplyOnlyWhatTheyNameAndStampTheTime() throws {
        let before = try source(auth: .header, secret: nil)
        let now = Date(timeIntervalSince1970: 5000)
        let after = try changes { $0.name = "Renamed"; $0.enabled = false; $0.authHeaderName = .some("X-Key"); $0.specUrl = .some(nil) }
            .apply(to: before, box: box, now: now).source
        XCTAssertEqual(after.name, "Renamed")
        XCTAssertFalse(after.enabled)
        XCTAssertEqual(after.authHeaderName, "X-Key")
        XCTAssertEqual(after.baseUrl, before.baseUrl)
        XCTAssertEqual(after.updatedAt, now)
        XCTAssertEqual(after.createdAt, before.createdAt)
    }

    func testAStatusChangeFollowsTheTransitionTable() throws {
        let failed = try source(auth: .none, secret: nil, status: .error)
        XCTAssertThrowsError(try changes { $0.status = .ready }.apply(to: failed, box: box)) { error in
            guard case StoreError.illegalTransition(from: .error, to: .ready) = error else { return XCTFail("\(error)") }
        }
        XCTAssertEqual(try changes { $0.status = .queued }.apply(to: failed, box: box).source.status, .queued)
    }

    // MARK: Opening

    func testASecretOpensOnlyOnItsOwnRowAndOrigin() throws {
        let bearer = try source(auth: .bearer)
        XCTAssertEqual(try bearer.openSecret(box: box)?.secret, "s3cret")
        XCTAssertNil(try bearer.openSecret(box: box)?.resealed, "a secret bound to its origin is not written again")
        var copied = bearer
        copied.owner = "owner-2"
        XCTAssertThrowsError(try copied.openSecret(box: box), "a sealed secret copied onto another owner's row does not open")
        var moved = bearer
        moved.secretOrigin = "https://evil.example.net:443"
        XCTAssertThrowsError(try moved.openSecret(box: box), "a changed recorded origin does not open it")
        var unbound = bearer
        unbound.secretOrigin = nil
        XCTAssertThrowsError(try unbound.openSecret(box: box)) { error in
            guard case StoreError.sourceNeedsSecret = error else { return XCTFail("\(error)") }
        }
        XCTAssertNil(try source(auth: .none, secret: nil).openSecret(box: box))
    }

    func testASecretSealedTheOldWayOpensOnceAndIsResealedForItsOrigin() throws {
        var legacy = try source(auth: .bearer)
        legacy.secretSealed = try box.seal("old", context: SecretBox.sourceContext(owner: legacy.owner, sourceID: legacy.id))
        let opened = try XCTUnwrap(try legacy.openSecret(box: box))
        XCTAssertEqual(opened.secret, "old")
        legacy.secretSealed = try XCTUnwrap(opened.resealed)
        XCTAssertEqual(try open(legacy), "old", "the resealed text is bound to the recorded origin")
    }
}
