import Foundation
@testable import Frontend
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import JunctionCore
import Logging
import Secrets
import Store
import TestSupport
import XCTest

@testable import Frontend

/// Authentication follows the route that serves the request: the router resolves many
/// spellings of `/api/v1/tokens` to the tokens API, and on every one of them an OAuth
/// access token (audience `/mcp`) is refused while a personal token is accepted.
final class AuthRoutingTests: XCTestCase {
    /// A store with one admin holding a personal token and an OAuth access token for `/mcp`.
    struct Fixture: Sendable {
        let db: SQLiteStore
        let auth: Authenticator
        let user: User
        let personal: String
        let access = "jat_route_test_access_token"

        init() throws {
            db = try SQLiteStore(path: TestEnvironment.temporaryDirectory().appendingPathComponent("routing.sqlite").path)
            auth = Authenticator(database: db, publicURL: "https://j.example")
            user = try db.createUser(email: "route@example.com", isAdmin: true, passwordHash: nil)
            personal = try db.createAPIToken(owner: user.id, name: "personal").token
            try db.insertOAuthTokens([OAuthToken(id: "a1", tokenHash: TokenHasher.hash(access), kind: "access", familyId: "f", clientId: "c",
                                                 userId: user.id, scope: "mcp", resource: auth.mcpResource, createdAt: Date(),
                                                 expiresAt: Date().addingTimeInterval(3600), usedAt: nil, revokedAt: nil)])
        }

        /// The real token and admin APIs, plus a stand-in `/mcp` route declaring `.mcp` credentials.
        func app() -> some ApplicationProtocol {
            let router = Router(context: FrontendContext.self)
            TokensAPI(auth: auth, logger: Logger(label: "test")).register(on: router)
            AdminAPI(auth: auth, logger: Logger(label: "test")).register(on: router)
            let auth = self.auth
            router.post("/mcp") { request, _ -> Response in
                do { return JSONResponse.make(["user": .string(try await auth.user(for: request, accepting: .mcp).id)]) } catch let e as JunctionError {
                    return JSONResponse.error(e)
                }
            }
            return Application(router: router)
        }
    }

    static let spellings = ["/api/v1/tokens", "//api/v1/tokens", "///api/v1/tokens", "/api//v1/tokens", "/api/v1//tokens",
                            "/api/v1/tokens/", "/api/v1/tokens//", "//api//v1//tokens//"]

    func testAccessTokensAreRefusedOnEverySpellingTheRouterResolvesToTheManagementAPI() async throws {
        let f = try Fixture()
        let (access, personal) = (f.access, f.personal)
        try await f.app().test(.router) { client in
            for path in Self.spellings {
                try await client.execute(uri: path, method: .post, headers: [.authorization: "Bearer \(access)", .contentType: "application/json"],
                                         body: ByteBuffer(string: "{\"name\": \"minted\"}")) { response in
                    XCTAssertEqual(response.status, .unauthorized, path)
                }
                // The same spelling does reach the tokens API: a personal token lists there.
                try await client.execute(uri: path, method: .get, headers: [.authorization: "Bearer \(personal)"]) { response in
                    XCTAssertEqual(response.status, .ok, path)
                }
            }
            for path in ["//api/v1/admin/users", "/api//v1/admin/users/", "//api/v1/me"] {
                try await client.execute(uri: path, method: .get, headers: [.authorization: "Bearer \(access)"]) { response in
                    XCTAssertEqual(response.status, .unauthorized, path)
                }
            }
            // Spellings the router does not resolve reach no route at all.
            for path in ["/./api/v1/tokens", "/%2Fapi/v1/tokens", "/api%2Fv1%2Ftokens", "/API/v1/tokens", "/api/v1/tokens;"] {
                try await client.execute(uri: path, method: .post, headers: [.authorization: "Bearer \(access)"], body: ByteBuffer(string: "{}")) { response in
                    XCTAssertEqual(response.status, .notFound, path)
                }
            }
            // On a route that declares `.mcp`, the access token is accepted — on any spelling.
            for path in ["/mcp", "//mcp", "/mcp/"] {
                try await client.execute(uri: path, method: .post, headers: [.authorization: "Bearer \(access)"]) { response in
                    XCTAssertEqual(response.status, .ok, path)
                }
            }
        }
        XCTAssertEqual(try f.db.listAPITokens(owner: f.user.id).count, 1, "no token was minted")
    }

    func testTheSessionCookieCountsOnManagementRoutesOnlyAndNeedsCSRFThere() async throws {
        let f = try Fixture()
        let access = f.access
        let cookie = try f.db.createWebSession(userId: f.user.id, lifetime: 600)
        let csrf = Authenticator.csrfToken(forSession: cookie)
        try await f.app().test(.router) { client in
            let cookieHeader: HTTPFields = [.cookie: "\(Authenticator.sessionCookie)=\(cookie)", .contentType: "application/json"]
            try await client.execute(uri: "//api/v1/tokens", method: .get, headers: cookieHeader) { XCTAssertEqual($0.status, .ok) }
            try await client.execute(uri: "//api/v1/tokens", method: .post, headers: cookieHeader, body: ByteBuffer(string: "{}")) {
                XCTAssertEqual($0.status, .forbidden, "unsafe method without the CSRF header")
            }
            var withCSRF = cookieHeader
            withCSRF[HTTPField.Name(Authenticator.csrfHeader)!] = Authenticator.csrfToken(forSession: "another-session")
            try await client.execute(uri: "/api//v1/tokens", method: .post, headers: withCSRF, body: ByteBuffer(string: "{}")) {
                XCTAssertEqual($0.status, .forbidden, "another session's CSRF token")
            }
            withCSRF[HTTPField.Name(Authenticator.csrfHeader)!] = csrf
            try await client.execute(uri: "/api//v1/tokens", method: .post, headers: withCSRF, body: ByteBuffer(string: "{}")) {
                XCTAssertEqual($0.status, .created)
            }
            // A cookie is no credential on an `.mcp` route (no CSRF surface there).
            try await client.execute(uri: "/mcp", method: .post, headers: withCSRF) { XCTAssertEqual($0.status, .unauthorized) }
            // With a refused bearer token, a valid cookie does not rescue the request.
            var both = withCSRF
            both[.authorization] = "Bearer \(access)"
            try await client.execute(uri: "/api/v1/tokens", method: .post, headers: both, body: ByteBuffer(string: "{}")) {
                XCTAssertEqual($0.status, .unauthorized)
            }
        }
    }

    func testEachRouteKindDeclaresItsCredentials() {
        XCTAssertFalse(RouteCredentials.management.acceptsAccessTokens)
        XCTAssertTrue(RouteCredentials.management.acceptsSessionCookie)
        XCTAssertTrue(RouteCredentials.mcp.acceptsAccessTokens)
        XCTAssertFalse(RouteCredentials.mcp.acceptsSessionCookie)
    }
}
