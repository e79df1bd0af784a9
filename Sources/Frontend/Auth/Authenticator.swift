import Foundation
import HTTPTypes
import Hummingbird
import JunctionCore
import Secrets
import Store

/// Resolves a request to an enabled user. Which credentials count is declared by the route
/// that serves the request (`RouteCredentials`), never read off the request's path text:
/// the router resolves `//api/v1/tokens` to the same handler as `/api/v1/tokens`, so a
/// decision taken on the raw path would disagree with the route that actually runs.
struct Authenticator: Sendable {
    let database: AppDatabase
    /// Junction's public base URL without a trailing slash (issuer and resource base).
    let publicURL: String

    /// The browser session cookie's name.
    static let sessionCookie = "junction_session"
    /// The CSRF header a cookie-authenticated unsafe request must carry.
    static let csrfHeader = "X-CSRF-Token"
    /// Scopes Junction's authorization server grants.
    static let scopes = ["mcp"]

    init(database: AppDatabase, publicURL: String = "http://127.0.0.1:8080") {
        self.database = database
        var base = publicURL
        while base.hasSuffix("/") { base.removeLast() }
        self.publicURL = base
    }

    /// The authorization server's issuer identifier (RFC 8414).
    var issuer: String { publicURL }
    /// The protected resource clients request tokens for (RFC 8707) and every access token's audience.
    var mcpResource: String { publicURL + "/mcp" }
    /// Where the `/mcp` resource's RFC 9728 metadata lives.
    var resourceMetadataURL: String { publicURL + "/.well-known/oauth-protected-resource/mcp" }
    /// Cookies may drop `Secure` only when Junction is served over plain-HTTP loopback.
    var cookiesSecure: Bool {
        guard let url = URL(string: publicURL), url.scheme?.lowercased() == "http" else { return true }
        return !["127.0.0.1", "localhost", "::1", "[::1]"].contains(url.host?.lowercased() ?? "")
    }

    /// Whether an unsafe browser request comes from Junction's own origin (login CSRF guard).
    /// Requests without `Origin` (non-browser clients) pass; browsers always send it on POST.
    func isSameOrigin(_ request: Request) -> Bool {
        guard let origin = request.headers[.origin] else { return true }
        guard let own = URL(string: publicURL) else { return false }
        return own.originString.lowercased() == origin.lowercased()
    }

    /// The `WWW-Authenticate` value for a 401 from `/mcp` (RFC 9728 §5.1, RFC 6750 §3).
    func challenge(for error: JunctionError? = nil) -> String {
        var value = "Bearer resource_metadata=\"\(resourceMetadataURL)\", scope=\"\(Self.scopes.joined(separator: " "))\""
        if let error, error.code == "invalid_token" {
            value += ", error=\"invalid_token\", error_description=\"\(error.message.replacingOccurrences(of: "\"", with: "'"))\""
        }
        return value
    }

    /// The enabled user this request authenticates as on a route accepting `credentials`,
    /// or a 401/403 `JunctionError`.
    func user(for request: Request, accepting credentials: RouteCredentials) throws -> User {
        try identity(for: request, accepting: credentials).user
    }

    /// Who this request acts for on a route accepting `credentials`, or a 401/403
    /// `JunctionError`. With an `Authorization` header only the bearer token counts (a
    /// cookie never rescues a bad token); a cookie-authenticated unsafe request must carry
    /// the session's CSRF header.
    func identity(for request: Request, accepting credentials: RouteCredentials) throws -> Identity {
        if let header = request.headers[.authorization] {
            let found = try bearer(header, accepting: credentials)
            // Personal API tokens never expire; access tokens always do.
            return Identity(user: found.user, credential: found.expiresAt == nil ? .apiToken : .accessToken)
        }
        if credentials.acceptsSessionCookie, let cookie = request.cookies[Self.sessionCookie]?.value, !cookie.isEmpty {
            guard let user = try database.userForWebSession(token: cookie) else {
                throw JunctionError.unauthorized("the session has expired; sign in again")
            }
            let csrf = Self.csrfToken(forSession: cookie)
            if request.method != .get, request.method != .head {
                let sent = request.headers[HTTPField.Name(Self.csrfHeader)!] ?? ""
                guard Self.constantTimeEquals(sent, csrf) else {
                    throw JunctionError("csrf_failed", "missing or wrong \(Self.csrfHeader) header", status: 403)
                }
            }
            return Identity(user: user, credential: .webSession(csrfToken: csrf))
        }
        throw JunctionError.unauthorized("missing Authorization: Bearer <token> header")
    }

    /// What an `Authorization` header's bearer token stands for on a route accepting
    /// `credentials`, or a 401.
    func bearer(_ header: String, accepting credentials: RouteCredentials) throws -> AppDatabase.BearerIdentity {
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw JunctionError.unauthorized("the Authorization header must be 'Bearer <token>'")
        }
        let token = String(parts[1]).trimmingCharacters(in: .whitespaces)
        // OAuth access tokens are looked up only where the route takes them (the /mcp
        // resource): elsewhere they are unknown tokens, so an MCP client cannot mint
        // personal tokens or manage sources with one.
        let accessTokenResource = credentials.acceptsAccessTokens ? mcpResource : nil
        if let identity = try database.bearerIdentity(token, accessTokenResource: accessTokenResource) { return identity }
        throw JunctionError("invalid_token", "the token is invalid, expired, revoked, issued for another resource, or its user is disabled",
                            status: 401)
    }

    /// The CSRF token of a session: derived from the cookie value, so nothing more is stored
    /// and it cannot be computed without the (HttpOnly) cookie.
    static func csrfToken(forSession cookie: String) -> String {
        "jcsrf_" + String(TokenHasher.hash("csrf:" + cookie).prefix(43))
    }

    /// Constant-time string comparison for secrets (CSRF tokens, state, nonces, hashes).
    static func constantTimeEquals(_ a: String, _ b: String) -> Bool {
        TokenHasher.constantTimeEquals(a.utf8, b.utf8)
    }
}
