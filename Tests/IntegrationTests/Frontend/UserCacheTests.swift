import Foundation
@testable import Frontend
import GRDB
import HTTPTypes
import Hummingbird
import JunctionCore
import Secrets
import Store
import TestSupport
import XCTest

@testable import Frontend

/// /mcp reuses token lookups, yet every revocation, disabling and expiry must be seen on
/// the very next request: the store's auth epoch moves with each of them, and only with them.
final class UserCacheTests: XCTestCase {
    var db: SQLiteStore!
    var auth: Authenticator!
    let cache = UserCache(maxAge: .seconds(60))

    override func setUp() async throws {
        db = try SQLiteStore(path: TestEnvironment.temporaryDirectory().appendingPathComponent("junction.sqlite").path)
        auth = Authenticator(database: db, publicURL: "https://j.example")
    }

    private func request(_ token: String) -> Request {
        Request(head: HTTPRequest(method: .post, scheme: "http", authority: "j.example", path: "/mcp",
                                  headerFields: [.authorization: "Bearer \(token)"]),
                body: .init(buffer: ByteBuffer()))
    }

    private func isRefused(_ token: String) async -> Bool {
        do { _ = try await cache.user(for: request(token), auth: auth); return false } catch let e as JunctionError {
            XCTAssertEqual(e.status, 401)
            return true
        } catch { XCTFail("\(error)"); return false }
    }

    private func assertRefused(_ token: String, line: UInt = #line) async {
        let refused = await isRefused(token)
        XCTAssertTrue(refused, line: line)
    }

    private func assertUser(_ token: String, _ id: String, line: UInt = #line) async throws {
        let user = try await cache.user(for: request(token), auth: auth)
        XCTAssertEqual(user.id, id, line: line)
    }

    func testRevokingAPersonalTokenIsSeenOnTheNextRequest() async throws {
        let user = try db.createUser(email: "a@example.com", isAdmin: false, passwordHash: nil)
        let (token, record) = try db.createAPIToken(owner: user.id, name: "t")
        try await assertUser(token, user.id)
        let epoch = try db.authEpoch()
        // Hits, and the "last used" bookkeeping of the first lookup, leave the epoch alone.
        for _ in 0..<3 { try await assertUser(token, user.id) }
        _ = try db.authenticate(token: token)
        XCTAssertEqual(try db.authEpoch(), epoch, "using a token must not invalidate everyone's cached lookups")
        XCTAssertTrue(try db.revokeAPIToken(id: record.id, owner: user.id))
        XCTAssertGreaterThan(try db.authEpoch(), epoch)
        await assertRefused(token)
        await assertRefused(token + "x")
    }

    func testDisablingAndDeletingAUserIsSeenOnTheNextRequest() async throws {
        let user = try db.createUser(email: "b@example.com", isAdmin: false, passwordHash: nil)
        let (token, _) = try db.createAPIToken(owner: user.id, name: "t")
        try await assertUser(token, user.id)
        _ = try db.setUserDisabled(id: user.id, disabled: true)
        await assertRefused(token)
        _ = try db.setUserDisabled(id: user.id, disabled: false)
        try await assertUser(token, user.id)
        try await db.writer.write { db in _ = try User.deleteOne(db, key: user.id) }
        await assertRefused(token)
    }

    func testOAuthAccessTokensAreRefusedOnceRevokedOrExpired() async throws {
        let user = try db.createUser(email: "c@example.com", isAdmin: false, passwordHash: nil)
        func access(_ raw: String, family: String, lifetime: TimeInterval) -> OAuthToken {
            OAuthToken(id: UUID().uuidString, tokenHash: TokenHasher.hash(raw), kind: "access", familyId: family, clientId: "c",
                       userId: user.id, scope: "mcp", resource: auth.mcpResource, createdAt: Date(),
                       expiresAt: Date().addingTimeInterval(lifetime), usedAt: nil, revokedAt: nil)
        }
        try db.insertOAuthTokens([access("long", family: "f", lifetime: 3600), access("short", family: "g", lifetime: 1)])
        try await assertUser("long", user.id)
        try await assertUser("short", user.id)
        // Expiry is not an event in the store: the cached answer carries the token's expiry.
        let epoch = try db.authEpoch()
        try await Task.sleep(for: .milliseconds(1200))
        XCTAssertEqual(try db.authEpoch(), epoch)
        await assertRefused("short")
        try await assertUser("long", user.id)
        try await db.writer.write { db in
            try db.execute(sql: "UPDATE oauth_tokens SET revokedAt = ? WHERE familyId = 'f'", arguments: [Date()])
        }
        await assertRefused("long")
    }

    func testAnOAuthTokenMovedToAnotherAudienceIsRefused() async throws {
        let user = try db.createUser(email: "d@example.com", isAdmin: false, passwordHash: nil)
        try db.insertOAuthTokens([OAuthToken(id: "t1", tokenHash: TokenHasher.hash("tok"), kind: "access", familyId: "f", clientId: "c",
                                             userId: user.id, scope: "mcp", resource: auth.mcpResource, createdAt: Date(),
                                             expiresAt: Date().addingTimeInterval(3600), usedAt: nil, revokedAt: nil)])
        try await assertUser("tok", user.id)
        try await db.writer.write { db in try db.execute(sql: "UPDATE oauth_tokens SET resource = 'https://other.example/mcp'") }
        await assertRefused("tok")
    }
}
