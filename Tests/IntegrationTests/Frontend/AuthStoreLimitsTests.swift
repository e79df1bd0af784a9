import Config
import Configuration
import Foundation
@testable import Frontend
import GRDB
import JunctionCore
import Logging
import Secrets
import Store
import TestSupport
import Upstream
import XCTest

/// What the store bounds for the authorization server and sign-in: abandoned dynamic
/// clients, the metadata-document cache, duplicate refresh jobs, and OIDC identities.
final class AuthStoreLimitsTests: XCTestCase {
    var db: AppDatabase!

    override func setUp() async throws {
        db = try AppDatabase(path: TestEnvironment.temporaryDirectory().appendingPathComponent("limits.sqlite").path)
    }

    private func registry(_ env: [String: String]) throws -> ClientRegistry {
        ClientRegistry(database: db, http: UpstreamHTTP(client: UpstreamHTTP.processClient, policy: OutboundPolicy()),
                       config: try AuthConfiguration(reader: ConfigReader(environment: env)), issuer: "https://j.example", logger: Logger(label: "test"))
    }

    private func registered(_ registry: ClientRegistry) throws -> String {
        try XCTUnwrap(try registry.register(["redirect_uris": ["http://127.0.0.1/cb"]])["client_id"]?.stringValue)
    }

    func testUnusedDynamicClientsExpireAreSweptAndAreCapped() async throws {
        let registry = try registry(["JUNCTION_OAUTH_UNUSED_CLIENT_TTL": "60", "JUNCTION_OAUTH_MAX_UNUSED_CLIENTS": "3"])
        let used = try registered(registry), stale = try registered(registry), fresh = try registered(registry)
        try db.markOAuthClientUsed(id: used)
        // Age two of them past the TTL: the one that completed a flow stays valid.
        try await db.writer.write { db in
            try db.execute(sql: "UPDATE oauth_clients SET createdAt = ? WHERE id IN (?, ?)", arguments: [Date().addingTimeInterval(-120), used, stale])
        }
        _ = try await registry.resolve(used)
        _ = try await registry.resolve(fresh)
        do { _ = try await registry.resolve(stale); XCTFail("an expired registration resolves") } catch {
            XCTAssertEqual(error.code, "invalid_client")
            XCTAssertTrue(error.description.contains("expired"), error.description)
        }
        // Registering sweeps the expired one; the cap counts clients still waiting for a first token.
        XCTAssertEqual(try db.unusedOAuthClientCount(), 2)
        _ = try registered(registry)
        XCTAssertNil(try db.oauthClient(id: stale))
        XCTAssertNotNil(try db.oauthClient(id: used))
        _ = try registered(registry)
        XCTAssertEqual(try db.unusedOAuthClientCount(), 3)
        XCTAssertThrowsError(try registry.register(["redirect_uris": ["http://127.0.0.1/cb"]])) { error in
            XCTAssertEqual((error as? ClientRegistry.OAuthError)?.status, 503)
        }
        XCTAssertEqual(try db.unusedOAuthClientCount(), 3, "a refused registration stores nothing")
    }

    func testTheMetadataDocumentCacheKeepsTheMostRecentlyFetched() throws {
        for i in 0..<7 {
            try db.saveMetadataClient(OAuthClientRecord(id: "https://c\(i).example/client.json", kind: "metadata", name: "c\(i)", redirectUris: "[]",
                                                        metadata: "{}", registrationTokenHash: nil, createdAt: Date().addingTimeInterval(Double(i)),
                                                        refreshAfter: Date()), keep: 3)
        }
        XCTAssertEqual(try db.metadataClientCount(), 3)
        XCTAssertNotNil(try db.oauthClient(id: "https://c6.example/client.json"))
        XCTAssertNil(try db.oauthClient(id: "https://c0.example/client.json"))
        // Registered clients are not evicted by the metadata cap.
        let registry = try registry([:])
        let id = try registered(registry)
        try db.saveMetadataClient(OAuthClientRecord(id: "https://c9.example/client.json", kind: "metadata", name: "c9", redirectUris: "[]",
                                                    metadata: "{}", registrationTokenHash: nil, createdAt: Date().addingTimeInterval(100),
                                                    refreshAfter: Date()), keep: 1)
        XCTAssertEqual(try db.metadataClientCount(), 1)
        XCTAssertNotNil(try db.oauthClient(id: id))
    }

    func testARefreshAlreadyQueuedIsNotQueuedAgainUntilTakenOrStale() throws {
        let user = try db.createUser(email: "r@example.com", isAdmin: false, passwordHash: nil)
        let box = SecretBox(keyring: .random())
        let source = try db.createSource(owner: user.id, draft: SourceDraft(slug: "s", type: .openapi, name: "s", baseUrl: nil,
                                                                           specUrl: "https://s.example/spec.json", authType: .none,
                                                                           authHeaderName: nil, secret: nil), box: box)
        XCTAssertTrue(try db.markRefreshQueued(owner: user.id, id: source.id))
        XCTAssertFalse(try db.markRefreshQueued(owner: user.id, id: source.id))
        XCTAssertFalse(try db.markRefreshQueued(owner: "someone-else", id: source.id), "scoped by owner")
        // A refresher took it.
        try db.updateSourceStatus(owner: user.id, id: source.id, status: "refreshing", error: nil)
        XCTAssertTrue(try db.markRefreshQueued(owner: user.id, id: source.id))
        // A mark older than its lifetime no longer blocks (a lost job must not block refreshes for good).
        XCTAssertTrue(try db.markRefreshQueued(owner: user.id, id: source.id, now: Date().addingTimeInterval(AppDatabase.queuedRefreshLifetime + 1)))
    }

    func testIdentitiesLinkOnceAndThenDecideWhoSignsIn() throws {
        let existing = try db.createUser(email: "pat@example.com", isAdmin: false, passwordHash: "x")
        // Compared by outcome and account id (stored dates are rounded to milliseconds).
        func link(_ issuer: String, _ subject: String, _ email: String) throws -> String {
            switch try db.linkIdentity(issuer: issuer, subject: subject, email: email) {
            case .existing(let u): "existing \(u.id)"
            case .linked(let u): "linked \(u.id)"
            case .created(let u): "created \(u.id)"
            case .conflict(let u): "conflict \(u.id)"
            }
        }
        XCTAssertEqual(try link("https://idp", "s1", "PAT@example.com"), "linked \(existing.id)")
        XCTAssertEqual(try link("https://idp", "s1", "pat@example.com"), "existing \(existing.id)")
        XCTAssertEqual(try link("https://idp", "s2", "pat@example.com"), "conflict \(existing.id)")
        // The same email at another issuer links too (one identity per issuer).
        XCTAssertEqual(try link("https://other-idp", "s1", "pat@example.com"), "linked \(existing.id)")
        // Found by subject whatever email the issuer asserts now.
        XCTAssertEqual(try db.userForIdentity(issuer: "https://idp", subject: "s1", email: "new@example.com")?.id, existing.id)
        XCTAssertNil(try db.userForIdentity(issuer: "https://idp", subject: "s2", email: "pat@example.com"))
        guard case .created(let created) = try db.linkIdentity(issuer: "https://idp", subject: "s3", email: "new@example.com") else {
            return XCTFail("a new person gets a new account")
        }
        XCTAssertEqual(created.email, "new@example.com")
        XCTAssertEqual(try db.identities(userId: existing.id).map(\.issuer), ["https://idp", "https://other-idp"])
    }

    func testOIDCTrustsOnlyAVerifiedEmail() {
        XCTAssertTrue(OIDCSignIn.emailIsVerified(true, required: true))
        XCTAssertFalse(OIDCSignIn.emailIsVerified(nil, required: true))
        XCTAssertFalse(OIDCSignIn.emailIsVerified(false, required: true))
        XCTAssertTrue(OIDCSignIn.emailIsVerified(nil, required: false), "the documented relaxation accepts a missing claim")
        XCTAssertFalse(OIDCSignIn.emailIsVerified(false, required: false), "never an explicit false")
    }
}
