import Foundation
@testable import Frontend
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import JunctionCore
import JunctionMetrics
import Status
import Store
import XCTest

/// The frontend's routes through HummingbirdTesting, built by `buildApplication(dependencies:)`
/// on a temporary SQLite file and a private redis-server: which credential each kind of
/// route takes (set by authentication middleware), one error mapping, security headers on
/// every answer, and a source's create/list/delete round trip.
final class FrontendRouteTests: XCTestCase {
    /// Routes of every management API group, with no credentials: 401, the JSON error body,
    /// and the group's `WWW-Authenticate` challenge (which only the middleware sends).
    func testManagementRoutesRequireCredentialsWithAChallenge() async throws {
        let f = try await FrontendFixture()
        let routes: [(HTTPRequest.Method, String, String)] = [
            (.get, "/api/v1/me", "resource_metadata="), (.get, "/api/v1/tokens", "resource_metadata="),
            (.get, "/api/v1/admin/users", "resource_metadata="), (.get, "/api/v1/sources", "realm=\"junction\""),
            (.get, "/api/v1/executions", "realm=\"junction\""), (.get, "/api/v1/catalog?q=x", "realm=\"junction\""),
            (.post, "/api/v1/sources/x/oauth/start", "realm=\"junction\""),
        ]
        try await f.app().test(.router) { client in
            for (method, path, challenge) in routes {
                try await client.execute(uri: path, method: method) { response in
                    XCTAssertEqual(response.status, .unauthorized, path)
                    XCTAssertEqual(FrontendFixture.json(response.body)?["error"]?["code"]?.stringValue, "unauthorized", path)
                    XCTAssertTrue(response.headers[Self.challenge]?.contains(challenge) == true, "\(path): \(response.headers[Self.challenge] ?? "none")")
                }
                // The same route with a personal token is served (not refused by anything else).
                try await client.execute(uri: path, method: method, headers: f.bearer(f.adminToken)) { response in
                    XCTAssertNotEqual(response.status, .unauthorized, path)
                    XCTAssertNotEqual(response.status, .forbidden, path)
                }
            }
        }
    }

    /// Each kind of route refuses the credentials of the others.
    /// The same protected routes spelled the ways an attacker would try to slip past a group's
    /// middleware (case, doubled or trailing slashes, dot segments, percent-encoding, a user's
    /// token on the admin group): nothing answers 2xx without the right credential.
    func testOddSpellingsOfProtectedPathsNeverReachAHandler() async throws {
        let f = try await FrontendFixture()
        let spellings = [
            "/API/v1/sources", "/api/V1/sources", "/api/v1//sources", "//api/v1/sources", "/api/v1/sources/",
            "/api/v1/./sources", "/api/v1/x/../sources", "/api/v1/%73ources", "/api/v1/sources%2F", "/api%2Fv1/sources",
            "/api/v1/admin/users/", "/api/v1//admin/users", "/api/v1/ADMIN/users", "/api/v1/admin/./users", "/api/v1/%61dmin/users",
            "/api/v1/me;x", "/api/v1/me?x=/api/v1", "/api/v1/tokens#x",
        ]
        try await f.app().test(.router) { client in
            for path in spellings {
                try await client.execute(uri: path, method: .get) { response in
                    XCTAssertFalse((200..<300).contains(Int(response.status.code)), "\(path) answered \(response.status) without credentials")
                }
                if path.lowercased().contains("admin") {
                    try await client.execute(uri: path, method: .get, headers: f.bearer(f.userToken)) { response in
                        XCTAssertFalse((200..<300).contains(Int(response.status.code)), "\(path) answered \(response.status) to a non-admin")
                    }
                }
            }
        }
    }

    func testWrongCredentialKindIsRefused() async throws {
        let f = try await FrontendFixture()
        try await f.app().test(.router) { client in
            // An OAuth access token is for /mcp only.
            try await client.execute(uri: "/api/v1/sources", method: .get, headers: f.bearer(f.accessToken)) { response in
                XCTAssertEqual(response.status, .unauthorized)
                XCTAssertEqual(FrontendFixture.json(response.body)?["error"]?["code"]?.stringValue, "invalid_token")
            }
            // /mcp takes no cookies: the session is no credential there.
            try await client.execute(uri: "/mcp", method: .post, headers: f.session(csrf: true).merging([.contentType: "application/json"]),
                                     body: ByteBuffer(string: Self.initialize)) { response in
                XCTAssertEqual(response.status, .unauthorized)
                XCTAssertTrue(response.headers[Self.challenge]?.contains("resource_metadata=\"\(FrontendFixture.publicURL)/.well-known/oauth-protected-resource/mcp\"") == true)
            }
            // Both bearer kinds are accepted on /mcp.
            for token in [f.accessToken, f.userToken] {
                try await client.execute(uri: "/mcp", method: .post, headers: f.bearer(token).merging([.contentType: "application/json", .accept: "application/json, text/event-stream"]),
                                         body: ByteBuffer(string: Self.initialize)) { response in
                    XCTAssertEqual(response.status, .ok, String(buffer: response.body))
                    XCTAssertNotNil(response.headers[.mcpSessionID])
                }
            }
            // The session works on the management API, but an unsafe method needs the CSRF header.
            try await client.execute(uri: "/api/v1/me", method: .get, headers: f.session()) { response in
                XCTAssertEqual(response.status, .ok)
                XCTAssertEqual(FrontendFixture.json(response.body)?["email"]?.stringValue, "user@example.com")
            }
            try await client.execute(uri: "/api/v1/tokens", method: .post, headers: f.session().merging([.contentType: "application/json"]),
                                     body: ByteBuffer(string: #"{"name": "x"}"#)) { response in
                XCTAssertEqual(response.status, .forbidden)
                XCTAssertEqual(FrontendFixture.json(response.body)?["error"]?["code"]?.stringValue, "csrf_failed")
            }
            try await client.execute(uri: "/api/v1/tokens", method: .post, headers: f.session(csrf: true).merging([.contentType: "application/json"]),
                                     body: ByteBuffer(string: #"{"name": "x"}"#)) { response in
                XCTAssertEqual(response.status, .created)
            }
            // Administrators only: 403 for a signed-in user, on the API and on the page.
            try await client.execute(uri: "/api/v1/admin/users", method: .get, headers: f.bearer(f.userToken)) { response in
                XCTAssertEqual(response.status, .forbidden)
                XCTAssertEqual(FrontendFixture.json(response.body)?["error"]?["code"]?.stringValue, "forbidden")
            }
            try await client.execute(uri: "/admin", method: .get, headers: f.session()) { response in
                XCTAssertEqual(response.status, .forbidden)
                XCTAssertTrue(String(buffer: response.body).contains("only administrators"))
            }
            // Pages take the session only: a bearer token is sent to sign in, keeping the page.
            for headers in [HTTPFields(), f.bearer(f.adminToken)] {
                try await client.execute(uri: "/catalog?q=a", method: .get, headers: headers) { response in
                    XCTAssertEqual(response.status, .seeOther)
                    XCTAssertEqual(response.headers[.location], "/login?next=/catalog%3Fq%3Da")
                }
            }
            try await client.execute(uri: "/sources", method: .get, headers: f.session()) { response in
                XCTAssertEqual(response.status, .ok)
                XCTAssertTrue(String(buffer: response.body).contains(f.csrf), "the page embeds the session's CSRF token")
            }
        }
    }

    /// Errors become `{"error": {"code", "message"}}` with their status, unknown API routes
    /// included; an error that is not coded is a 500 whose details stay in the log.
    func testErrorsMapToTheJSONBodyAndStatus() async throws {
        let f = try await FrontendFixture()
        let router = try buildRouter(dependencies: f.dependencies)
        struct Boom: Error, CustomStringConvertible { var description: String { "database file /secret/path is corrupt" } }
        router.get("/api/v1/boom") { _, _ -> Response in throw Boom() }
        let auth = f.bearer(f.userToken)
        try await Application(router: router).test(.router) { client in
            try await Self.check(.get, "/api/v1/sources/nope", .notFound, "source_not_found", headers: auth, client)
            try await Self.check(.delete, "/api/v1/tokens/nope", .notFound, "token_not_found", headers: auth, client)
            try await Self.check(.post, "/api/v1/tokens", body: "{not json", .badRequest, "invalid_json", headers: auth, client)
            try await Self.check(.post, "/api/v1/sources", body: #"{"slug": "Bad Slug"}"#, .badRequest, "invalid_slug", headers: auth, client)
            try await Self.check(.post, "/api/v1/tokens", body: String(repeating: " ", count: 20_000), .contentTooLarge, "payload_too_large", headers: auth, client)
            try await Self.check(.get, "/api/v1/no-such-route", .notFound, "route_not_found", headers: auth, client)
            try await Self.check(.get, "/api/v1/boom", .internalServerError, "internal_error", headers: auth, client)
            try await client.execute(uri: "/api/v1/boom", method: .get) { response in
                XCTAssertFalse(String(buffer: response.body).contains("secret"), "details of an uncoded error stay in the log")
            }
        }
    }

    /// Every answer carries the security headers, set once by the middleware: pages (with the
    /// dashboard CSP), sign-in pages (their own stricter CSP), the API, errors, /mcp, assets.
    func testSecurityHeadersOnPagesAPIAndErrors() async throws {
        let f = try await FrontendFixture()
        try await f.app().test(.router) { client in
            let cases: [(String, HTTPRequest.Method, HTTPFields, String?)] = [
                ("/", .get, f.session(), SecurityHeadersMiddleware<FrontendContext>.pagePolicy),
                ("/login", .get, [:], "script-src 'none'"),
                ("/api/v1/sources", .get, f.bearer(f.userToken), nil),
                ("/api/v1/sources", .get, [:], nil),
                ("/api/v1/no-such-route", .get, [:], nil),
                ("/mcp", .post, [:], nil),
                ("/healthz", .get, [:], nil),
            ]
            for (path, method, headers, csp) in cases {
                try await client.execute(uri: path, method: method, headers: headers) { response in
                    XCTAssertEqual(response.headers[.xContentTypeOptions], "nosniff", path)
                    XCTAssertEqual(response.headers[.xFrameOptions], "DENY", path)
                    XCTAssertEqual(response.headers[.referrerPolicy], "same-origin", path)
                    XCTAssertEqual(response.headers[.cacheControl], "no-store", path)
                    if let csp { XCTAssertTrue(response.headers[.contentSecurityPolicy]?.contains(csp) == true, path) }
                }
            }
            // A cacheable asset keeps its own caching policy and still gets nosniff.
            try await client.execute(uri: Assets.path("app.css"), method: .get) { response in
                XCTAssertEqual(response.headers[.cacheControl], "public, max-age=31536000, immutable")
                XCTAssertEqual(response.headers[.xContentTypeOptions], "nosniff")
            }
        }
    }

    /// A source registered through the API is listed, read and deleted, for its owner only.
    func testSourceCreateListDeleteRoundTrip() async throws {
        let f = try await FrontendFixture()
        let body = #"{"slug": "pets", "type": "openapi", "name": "Pets", "specUrl": "http://127.0.0.1:9/openapi.json", "baseUrl": "http://127.0.0.1:9"}"#
        try await f.app().test(.router) { client in
            let json: HTTPFields = f.bearer(f.userToken).merging([.contentType: "application/json"])
            try await client.execute(uri: "/api/v1/sources", method: .post, headers: json, body: ByteBuffer(string: body)) { response in
                XCTAssertEqual(response.status, .created, String(buffer: response.body))
                XCTAssertEqual(FrontendFixture.json(response.body)?["slug"]?.stringValue, "pets")
            }
            try await client.execute(uri: "/api/v1/sources", method: .get, headers: f.bearer(f.userToken)) { response in
                XCTAssertEqual(FrontendFixture.json(response.body)?["sources"]?.arrayValue?.compactMap { $0["slug"]?.stringValue }, ["pets"])
            }
            // Another user sees nothing of it.
            try await client.execute(uri: "/api/v1/sources/pets", method: .get, headers: f.bearer(f.adminToken)) { response in
                XCTAssertEqual(response.status, .notFound)
            }
            try await client.execute(uri: "/api/v1/sources/pets", method: .get, headers: f.bearer(f.userToken)) { response in
                XCTAssertEqual(response.status, .ok)
                XCTAssertEqual(FrontendFixture.json(response.body)?["type"]?.stringValue, "openapi")
            }
            try await client.execute(uri: "/api/v1/sources/pets", method: .delete, headers: f.bearer(f.userToken)) { response in
                XCTAssertEqual(response.status, .noContent)
            }
            try await client.execute(uri: "/api/v1/sources/pets", method: .get, headers: f.bearer(f.userToken)) { response in
                XCTAssertEqual(response.status, .notFound)
            }
        }
        XCTAssertEqual(try f.database.sources(owner: f.user.id).count, 0)
    }

    func testHealthEndpoint() async throws {
        let f = try await FrontendFixture()
        try await f.app().test(.router) { client in
            try await client.execute(uri: "/healthz", method: .get) { response in
                XCTAssertEqual(response.status, .ok)
                XCTAssertEqual(String(buffer: response.body), "ok")
            }
        }
    }

    /// `/readyz` asks Redis and the store; `/metrics` is never on the public listener; the
    /// HTTP metrics name the route pattern, never the path asked for, whatever the path.
    func testReadinessAndRouteLabelsOfOddPaths() async throws {
        JunctionMetricsFactory.bootstrap()
        let f = try await FrontendFixture()
        let marker = "odd\(UInt32.random(in: 0...UInt32.max))"
        try await f.app().test(.router) { client in
            try await client.execute(uri: "/readyz", method: .get) { response in
                XCTAssertEqual(response.status, .ok)
                XCTAssertEqual(String(buffer: response.body), #"{"checks":{"redis":"ok","store":"ok"},"status":"ready"}"#)
            }
            try await client.execute(uri: "/metrics", method: .get) { response in
                XCTAssertEqual(response.status, .notFound)
            }
            for path in ["/\(marker)", "/api/v1/sources/\(marker)", "//api/v1/sources/\(marker)/", "/executions/\(marker)",
                         "/\(marker)/%2e%2e/x", "/assets/\(marker).js"] {
                try await client.execute(uri: path, method: .get, headers: f.bearer(f.userToken)) { _ in }
            }
            try await client.execute(uri: "/\(marker)", method: .init("BREW")!) { _ in }
        }
        let text = String(decoding: JunctionMetricsFactory.exposition(), as: UTF8.self)
        let series = text.split(separator: "\n").filter { $0.hasPrefix("junction_http_requests_total{") }
        XCTAssertFalse(series.isEmpty)
        XCTAssertFalse(text.contains(marker), "no path asked for became a label value")
        XCTAssertTrue(series.contains { $0.contains(#"route="unmatched",method="GET",status="404""#) }, "\(series)")
        XCTAssertTrue(series.contains { $0.contains(#"route="unmatched",method="other""#) }, "\(series)")
        XCTAssertTrue(series.contains { $0.contains(#"route="/readyz",method="GET",status="200""#) }, "\(series)")
        XCTAssertTrue(series.contains { $0.contains(#"route="/api/v1/sources/"#) && $0.contains(#"status="404""#) }, "\(series)")
    }

    /// `/admin/status` lists the processes that beat and the recorded failures for an
    /// administrator; a plain user gets 403 and sees none of it.
    func testAdminStatusPageIsForAdministratorsOnly() async throws {
        let f = try await FrontendFixture()
        let board = f.dependencies.board
        try await board.publish(ProcessHeartbeat(kind: "worker", id: "host-42-abc", host: "host<b>", pid: 42, started: Date(), inFlight: 2))
        await board.record(RecentFailure(work: "run", detail: "execute", outcome: "timeout", code: "TimeoutError", processID: "host-42-abc"))
        let adminCookie = try f.database.createWebSession(userId: f.admin.id, lifetime: 3600)
        let admin: HTTPFields = [.cookie: "\(Authenticator.sessionCookie)=\(adminCookie)"]
        try await f.app().test(.router) { client in
            for path in ["/admin/status", "/admin/status/live"] {
                try await client.execute(uri: path, method: .get, headers: f.session()) { response in
                    XCTAssertEqual(response.status, .forbidden, path)
                    XCTAssertFalse(String(buffer: response.body).contains("host-42-abc"), path)
                }
                try await client.execute(uri: path, method: .get, headers: admin) { response in
                    XCTAssertEqual(response.status, .ok, path)
                    let page = String(buffer: response.body)
                    XCTAssertTrue(page.contains(#"data-process="host-42-abc" data-kind="worker""#), page)
                    XCTAssertTrue(page.contains("host&lt;b&gt;"), "escaped")
                    XCTAssertTrue(page.contains("TimeoutError") && page.contains("timeout"))
                }
            }
            try await client.execute(uri: "/admin/status", method: .get) { response in
                XCTAssertEqual(response.status, .seeOther, "anonymous: to sign-in")
            }
        }
    }

    /// The dashboard's script and stylesheet and the API description come from the bundled
    /// resource files, at the same URLs, with ETag revalidation for assets.
    func testBundledAssetsAndAPIDescriptionAreServed() async throws {
        let f = try await FrontendFixture()
        let core = try FrontendResource.text("dashboard-core.js"), pages = try FrontendResource.text("dashboard-pages.js")
        try await f.app().test(.router) { client in
            var etag = ""
            try await client.execute(uri: "/assets/app.js", method: .get) { response in
                XCTAssertEqual(response.status, .ok)
                XCTAssertEqual(response.headers[.contentType], "text/javascript; charset=utf-8")
                let text = String(buffer: response.body)
                XCTAssertTrue(text.hasPrefix(core) && text.hasSuffix(String(pages.dropLast())), "app.js is the parts in order")
                etag = response.headers[.eTag] ?? ""
            }
            try await client.execute(uri: "/assets/app.js", method: .get, headers: [.ifNoneMatch: etag]) { response in
                XCTAssertEqual(response.status, .notModified)
            }
            try await client.execute(uri: "/assets/app.css", method: .get) { response in
                XCTAssertEqual(String(buffer: response.body), Assets.css)
                XCTAssertTrue(Assets.css.contains("--accent"))
            }
            try await client.execute(uri: "/api/openapi.json", method: .get) { response in
                XCTAssertEqual(response.headers[.contentType], "application/json")
                let doc = FrontendFixture.json(response.body)
                XCTAssertEqual(doc?["openapi"]?.stringValue, "3.1.0")
                XCTAssertNotNil(doc?["components"]?["schemas"]?["Source"], "schemas merged from their own file")
                XCTAssertNotNil(doc?["paths"]?["/api/v1/admin/users"], "paths merged from both files")
                XCTAssertNotNil(doc?["paths"]?["/api/v1/sources"])
            }
        }
    }

    static let challenge = HTTPField.Name("WWW-Authenticate")!

    /// One request with `headers` that must fail with `status` and the JSON error `code`.
    static func check(_ method: HTTPRequest.Method, _ path: String, body: String? = nil, _ status: HTTPResponse.Status, _ code: String,
                      headers: HTTPFields, _ client: some TestClientProtocol) async throws {
        try await client.execute(uri: path, method: method, headers: headers.merging([.contentType: "application/json"]),
                                 body: body.map { ByteBuffer(string: $0) }) { response in
            XCTAssertEqual(response.status, status, path)
            XCTAssertEqual(response.headers[.contentType], "application/json", path)
            let error = FrontendFixture.json(response.body)?["error"]
            XCTAssertEqual(error?["code"]?.stringValue, code, "\(path): \(String(buffer: response.body))")
            XCTAssertNotNil(error?["message"]?.stringValue, path)
        }
    }

    static let initialize = #"{"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}"#
}

extension HTTPFields {
    func merging(_ other: HTTPFields) -> HTTPFields {
        var out = self
        for field in other { out[field.name] = field.value }
        return out
    }
}
