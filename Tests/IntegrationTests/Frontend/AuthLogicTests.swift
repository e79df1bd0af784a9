import Foundation
@testable import Frontend
import Secrets
import Store
import TestSupport
import XCTest

/// Pure logic of sign-in and the authorization server (no network).
final class AuthLogicTests: XCTestCase {
    // RFC 7636 Appendix B test vector.
    func testPKCEAcceptsTheRFCVectorAndRejectsOthers() {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
        let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        XCTAssertEqual(PKCE.challenge(for: verifier), challenge)
        XCTAssertTrue(PKCE.verify(verifier: verifier, challenge: challenge))
        XCTAssertFalse(PKCE.verify(verifier: verifier + "x", challenge: challenge))
        XCTAssertFalse(PKCE.verify(verifier: "short", challenge: PKCE.challenge(for: "short")), "verifiers need 43+ characters")
        XCTAssertFalse(PKCE.verify(verifier: String(repeating: "a", count: 42) + "!", challenge: PKCE.challenge(for: String(repeating: "a", count: 42) + "!")))
        XCTAssertTrue(PKCE.isValidChallenge(challenge))
        XCTAssertFalse(PKCE.isValidChallenge("plain-challenge"))
    }

    func testRedirectURIExactMatchAndLoopbackAnyPort() {
        let registered = ["https://app.example.com/cb", "http://127.0.0.1/callback", "http://localhost/cb?x=1"]
        XCTAssertTrue(RedirectURIMatcher.matches("https://app.example.com/cb", registered: registered))
        XCTAssertFalse(RedirectURIMatcher.matches("https://app.example.com/cb/", registered: registered))
        XCTAssertFalse(RedirectURIMatcher.matches("https://app.example.com:8443/cb", registered: registered), "ports matter except on loopback")
        XCTAssertFalse(RedirectURIMatcher.matches("https://evil.example/cb", registered: registered))
        // RFC 8252 §7.3: any port on the registered loopback host and path.
        XCTAssertTrue(RedirectURIMatcher.matches("http://127.0.0.1:51234/callback", registered: registered))
        XCTAssertTrue(RedirectURIMatcher.matches("http://127.0.0.1/callback", registered: registered))
        XCTAssertTrue(RedirectURIMatcher.matches("http://localhost:9/cb?x=1", registered: registered))
        XCTAssertFalse(RedirectURIMatcher.matches("http://localhost:9/cb?x=2", registered: registered))
        XCTAssertFalse(RedirectURIMatcher.matches("http://127.0.0.1:51234/other", registered: registered))
        XCTAssertFalse(RedirectURIMatcher.matches("http://localhost:51234/callback", registered: registered), "host must be the registered one")
        XCTAssertFalse(RedirectURIMatcher.matches("http://user@127.0.0.1:1/callback", registered: registered))
        XCTAssertFalse(RedirectURIMatcher.matches("https://127.0.0.1:5/callback", registered: registered))
    }

    func testRegistrableRedirectURIs() {
        for ok in ["https://a.example/cb", "http://127.0.0.1/cb", "http://localhost:3000/cb", "http://[::1]/cb", "com.example.app:/oauth"] {
            XCTAssertTrue(RedirectURIMatcher.isAcceptable(ok), ok)
        }
        for bad in ["http://a.example/cb", "javascript:alert(1)", "https://a.example/cb#f", "data:text/html,x", "myapp:/cb", "relative/cb", "https://u:p@a.example/cb"] {
            XCTAssertFalse(RedirectURIMatcher.isAcceptable(bad), bad)
        }
    }

    func testPasswordHashVerifies() throws {
        let hash = try PasswordHasher.hashBlocking("hunter2 is weak", rounds: 1_000)
        XCTAssertTrue(hash.hasPrefix("pbkdf2-sha256$1000$"))
        XCTAssertTrue(PasswordHasher.verifyBlocking("hunter2 is weak", against: hash))
        XCTAssertFalse(PasswordHasher.verifyBlocking("hunter2 is Weak", against: hash))
        XCTAssertFalse(PasswordHasher.verifyBlocking("hunter2 is weak", against: "garbage"))
        XCTAssertNotEqual(hash, try PasswordHasher.hashBlocking("hunter2 is weak", rounds: 1_000), "random salt")
    }

    func testDefaultPasswordHashIsSlowAndRunsOffThePool() async throws {
        let hash = try await PasswordHasher.hash("a long enough password")
        XCTAssertTrue(hash.hasPrefix("pbkdf2-sha256$600000$"))
        let ok = try await PasswordHasher.verify("a long enough password", against: hash)
        XCTAssertTrue(ok)
    }

    func testSafeNextOnlyAllowsSameOriginPaths() {
        XCTAssertEqual(RedirectTarget.sameOriginPath("/sources?x=1"), "/sources?x=1")
        for bad in [nil, "", "//evil.example", "https://evil.example", "/\\evil.example", "evil", "/a\r\nSet-Cookie: x"] {
            XCTAssertEqual(RedirectTarget.sameOriginPath(bad), "/", String(describing: bad))
        }
    }

    func testRefreshRotationAndReuseRevokeTheFamily() throws {
        let db = try SQLiteStore(path: TestEnvironment.temporaryDirectory().appendingPathComponent("auth.sqlite").path)
        let user = try db.createUser(email: "fam@example.com", isAdmin: false, passwordHash: nil)
        func token(_ raw: String, _ kind: String, family: String) -> OAuthToken {
            OAuthToken(id: UUID().uuidString, tokenHash: TokenHasher.hash(raw), kind: kind, familyId: family, clientId: "c", userId: user.id,
                       scope: "mcp", resource: "https://j.example/mcp", createdAt: Date(), expiresAt: Date().addingTimeInterval(3600),
                       usedAt: nil, revokedAt: nil)
        }
        try db.insertOAuthTokens([token("a1", "access", family: "f"), token("r1", "refresh", family: "f"),
                                  token("a-other", "access", family: "g")])
        XCTAssertNotNil(try db.userForAccessToken("a1", resource: "https://j.example/mcp"))
        XCTAssertNil(try db.userForAccessToken("a1", resource: "https://other.example/mcp"), "audience is checked")
        guard case .invalid = try db.useRefreshToken(hash: TokenHasher.hash("r1"), clientId: "other-client") else { return XCTFail("wrong client") }
        guard case .fresh = try db.useRefreshToken(hash: TokenHasher.hash("r1"), clientId: "c") else { return XCTFail("first use") }
        XCTAssertNil(try db.userForAccessToken("a1", resource: "https://j.example/mcp"), "rotation retires the old access token")
        try db.insertOAuthTokens([token("a2", "access", family: "f"), token("r2", "refresh", family: "f")])
        XCTAssertNotNil(try db.userForAccessToken("a2", resource: "https://j.example/mcp"))
        guard case .reused = try db.useRefreshToken(hash: TokenHasher.hash("r1"), clientId: "c") else { return XCTFail("reuse") }
        XCTAssertNil(try db.userForAccessToken("a2", resource: "https://j.example/mcp"), "reuse revokes the family")
        guard case .invalid = try db.useRefreshToken(hash: TokenHasher.hash("r2"), clientId: "c") else { return XCTFail("family revoked") }
        XCTAssertNotNil(try db.userForAccessToken("a-other", resource: "https://j.example/mcp"), "other families are untouched")
    }

    func testCodesAreSingleUseAndReplayRevokesTheirTokens() throws {
        let db = try SQLiteStore(path: TestEnvironment.temporaryDirectory().appendingPathComponent("codes.sqlite").path)
        let user = try db.createUser(email: "code@example.com", isAdmin: false, passwordHash: nil)
        try db.insertOAuthCode(OAuthCode(codeHash: TokenHasher.hash("code"), clientId: "c", userId: user.id, redirectUri: "https://a/cb",
                                         codeChallenge: "x", scope: "mcp", resource: "r", familyId: "fam", expiresAt: Date().addingTimeInterval(60), usedAt: nil))
        guard case .fresh = try db.redeemOAuthCode(hash: TokenHasher.hash("code")) else { return XCTFail("first redemption") }
        try db.insertOAuthTokens([OAuthToken(id: "t", tokenHash: TokenHasher.hash("acc"), kind: "access", familyId: "fam", clientId: "c",
                                             userId: user.id, scope: "mcp", resource: "r", createdAt: Date(),
                                             expiresAt: Date().addingTimeInterval(60), usedAt: nil, revokedAt: nil)])
        XCTAssertNotNil(try db.userForAccessToken("acc", resource: "r"))
        guard case .replayed = try db.redeemOAuthCode(hash: TokenHasher.hash("code")) else { return XCTFail("replay") }
        XCTAssertNil(try db.userForAccessToken("acc", resource: "r"))
        guard case .unknown = try db.redeemOAuthCode(hash: TokenHasher.hash("nope")) else { return XCTFail("unknown") }
    }
}
