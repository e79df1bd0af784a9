import Foundation
import HTTPTypes
import Hummingbird
import JunctionCore
import Logging
import Secrets
import Store

/// Junction's OAuth 2.1 authorization server for MCP clients: RFC 9728 / RFC 8414
/// metadata, `/oauth/authorize` (+ consent), `/oauth/token` (authorization code with
/// PKCE S256, refresh-token rotation), `/oauth/revoke` (RFC 7009), `/oauth/register`
/// (RFC 7591/7592). Access tokens are opaque, stored hashed, bound to the `/mcp` resource.
/// `/oauth/token` is throttled per client address and its failures per `client_id`;
/// `/oauth/register` per client address (`AbuseThrottle`).
struct AuthorizationServer: Sendable {
    let auth: Authenticator
    let clients: ClientRegistry
    let config: AuthConfiguration
    let throttle: AbuseThrottle
    let logger: Logger

    var database: AppDatabase { auth.database }
    typealias OAuthError = ClientRegistry.OAuthError

    func register(on router: Router<FrontendContext>) {
        for path in ["/.well-known/oauth-protected-resource", "/.well-known/oauth-protected-resource/mcp"] {
            router.get(RouterPath(stringLiteral: path)) { _, _ in self.cors(JSONResponse.make(self.resourceMetadata)) }
        }
        for path in ["/.well-known/oauth-authorization-server", "/.well-known/openid-configuration"] {
            router.get(RouterPath(stringLiteral: path)) { _, _ in self.cors(JSONResponse.make(self.serverMetadata)) }
        }
        for path in ["/.well-known/oauth-protected-resource", "/.well-known/oauth-protected-resource/mcp",
                     "/.well-known/oauth-authorization-server", "/.well-known/openid-configuration",
                     "/oauth/token", "/oauth/revoke", "/oauth/register"] {
            router.on(RouterPath(stringLiteral: path), method: .options) { _, _ in self.cors(Response(status: .noContent)) }
        }
        router.get("/oauth/authorize") { request, _ in await self.authorize(request.queryFields, request: request, isPost: false) }
        router.post("/oauth/authorize") { incoming, _ in
            var request = incoming
            guard self.auth.isSameOrigin(request) else {
                return AuthPages.error(title: "Refused", message: "The consent form was posted from another site.", status: .forbidden)
            }
            guard let form = try? await request.formFields() else {
                return AuthPages.error(title: "Bad request", message: "The form could not be read.", status: .badRequest)
            }
            return await self.authorize(form, request: request, isPost: true)
        }
        router.post("/oauth/token") { request, context in
            await self.token(request, client: ClientAddress.throttleKey(request, context, trusted: self.config.trustedProxies))
        }
        router.post("/oauth/revoke") { request, _ in await self.revoke(request) }
        router.post("/oauth/register") { request, context in
            await self.registerClient(request, client: ClientAddress.throttleKey(request, context, trusted: self.config.trustedProxies))
        }
        router.get("/oauth/register/{id}") { request, context in
            let header = request.headers[.authorization] ?? ""
            let token = header.lowercased().hasPrefix("bearer ") ? String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces) : ""
            do { return self.cors(JSONResponse.make(try self.clients.read(id: context.parameters.get("id") ?? "", registrationToken: token))) } catch {
                return self.oauthError(error, headers: [.wwwAuthenticate: "Bearer error=\"invalid_token\""])
            }
        }
    }

    // MARK: Metadata

    var resourceMetadata: JSONValue {
        ["resource": .string(auth.mcpResource), "authorization_servers": [.string(auth.issuer)],
         "scopes_supported": .array(Authenticator.scopes.map { .string($0) }), "bearer_methods_supported": ["header"],
         "resource_name": "Junction"]
    }

    var serverMetadata: JSONValue {
        let base = auth.issuer
        return ["issuer": .string(base),
                "authorization_endpoint": .string(base + "/oauth/authorize"),
                "token_endpoint": .string(base + "/oauth/token"),
                "registration_endpoint": .string(base + "/oauth/register"),
                "revocation_endpoint": .string(base + "/oauth/revoke"),
                "scopes_supported": .array(Authenticator.scopes.map { .string($0) }),
                "response_types_supported": ["code"],
                "response_modes_supported": ["query"],
                "grant_types_supported": ["authorization_code", "refresh_token"],
                "code_challenge_methods_supported": ["S256"],
                "token_endpoint_auth_methods_supported": ["none"],
                "revocation_endpoint_auth_methods_supported": ["none"],
                "client_id_metadata_document_supported": true,
                "authorization_response_iss_parameter_supported": true,
                "subject_types_supported": ["public"]]
    }

    private func cors(_ response: Response) -> Response {
        var r = response
        r.headers[HTTPField.Name("Access-Control-Allow-Origin")!] = "*"
        r.headers[HTTPField.Name("Access-Control-Allow-Methods")!] = "GET, POST, OPTIONS"
        r.headers[HTTPField.Name("Access-Control-Allow-Headers")!] = "Authorization, Content-Type, MCP-Protocol-Version"
        return r
    }

    private func oauthError(_ error: Error, headers: HTTPFields = [:]) -> Response {
        var headers = headers
        if let refusal = error as? ThrottleRefusal {
            headers[.retryAfter] = String(refusal.retryAfter)
            return cors(JSONResponse.make(["error": .string(refusal.bucket == nil ? "temporarily_unavailable" : "rate_limited"),
                                           "error_description": .string(refusal.message)],
                                          status: HTTPResponse.Status(code: refusal.status), headers: headers))
        }
        let e = (error as? OAuthError) ?? OAuthError(code: "server_error", description: "internal error", status: 500)
        if e.status == 503 { headers[.retryAfter] = "60" }
        if e.status >= 500 { logger.error("authorization server failure", metadata: ["error": "\(error)"]) }
        return cors(JSONResponse.make(["error": .string(e.code), "error_description": .string(e.description)],
                                      status: HTTPResponse.Status(code: e.status), headers: headers))
    }

    // MARK: Authorization endpoint

    /// Validated authorization request.
    struct AuthRequest: Sendable {
        var client: ClientRegistry.Client
        var redirectURI: String
        var state: String?
        var codeChallenge: String
        var scope: String
        var resource: String
    }

    /// Validates an authorization request. Errors found before the client and its
    /// redirect URI are trusted come back as `.page`; later ones as `.redirect`.
    enum Validation { case ok(AuthRequest), page(Response), redirect(Response) }

    func validate(_ q: [String: String]) async -> Validation {
        let clientID = q["client_id"] ?? ""
        let client: ClientRegistry.Client
        do { client = try await clients.resolve(clientID) } catch {
            return .page(AuthPages.error(title: "Unknown application", message: "\(error.code): \(error.description)", status: .badRequest))
        }
        let redirectURI: String
        if let requested = q["redirect_uri"], !requested.isEmpty {
            guard RedirectURIMatcher.matches(requested, registered: client.redirectURIs) else {
                return .page(AuthPages.error(title: "Invalid redirect",
                                             message: "redirect_uri is not registered for this client; Junction will not redirect there.",
                                             status: .badRequest))
            }
            redirectURI = requested
        } else if client.redirectURIs.count == 1 {
            redirectURI = client.redirectURIs[0]
        } else {
            return .page(AuthPages.error(title: "Invalid request", message: "redirect_uri is required.", status: .badRequest))
        }
        let state = q["state"]
        func fail(_ code: String, _ description: String) -> Validation {
            .redirect(redirectBack(redirectURI, [("error", code), ("error_description", description)], state: state))
        }
        guard q["response_type"] == "code" else { return fail("unsupported_response_type", "response_type must be code") }
        guard let challenge = q["code_challenge"], !challenge.isEmpty else { return fail("invalid_request", "PKCE is required: send code_challenge") }
        guard q["code_challenge_method"] == "S256" else { return fail("invalid_request", "code_challenge_method must be S256") }
        guard PKCE.isValidChallenge(challenge) else { return fail("invalid_request", "code_challenge must be a base64url SHA-256 (43 characters)") }
        let resource = normalizedResource(q["resource"])
        guard resource == auth.mcpResource else { return fail("invalid_target", "resource must be \(auth.mcpResource)") }
        let scopes = (q["scope"] ?? "").split(separator: " ").map(String.init)
        guard scopes.allSatisfy(Authenticator.scopes.contains) else { return fail("invalid_scope", "supported scopes: \(Authenticator.scopes.joined(separator: " "))") }
        return .ok(AuthRequest(client: client, redirectURI: redirectURI, state: state, codeChallenge: challenge,
                               scope: Authenticator.scopes.joined(separator: " "), resource: resource))
    }

    func normalizedResource(_ raw: String?) -> String {
        guard var r = raw, !r.isEmpty else { return auth.mcpResource }
        while r.hasSuffix("/") { r.removeLast() }
        return r
    }

    private func redirectBack(_ uri: String, _ params: [(String, String)], state: String?) -> Response {
        var all = params
        if let state { all.append(("state", state)) }
        all.append(("iss", auth.issuer))
        let separator = uri.contains("?") ? "&" : "?"
        return AuthPages.redirect(uri + separator + FormCoding.encode(all))
    }

    private func authorize(_ q: [String: String], request: Request, isPost: Bool) async -> Response {
        do {
            let req: AuthRequest
            switch await validate(q) {
            case .page(let r), .redirect(let r): return r
            case .ok(let r): req = r
            }
            guard let session = try await auth.webSession(for: request) else {
                if isPost { return AuthPages.error(title: "Signed out", message: "Sign in again and restart from your application.", status: .unauthorized) }
                let here = "/oauth/authorize?" + (request.uri.query ?? "")
                return AuthPages.redirect("/login?" + FormCoding.encode([("next", here)]))
            }
            if isPost {
                guard Authenticator.constantTimeEquals(q["csrf"] ?? "", session.csrfToken) else {
                    return AuthPages.error(title: "Expired form", message: "The consent form expired; restart from your application.", status: .forbidden)
                }
                guard q["decision"] == "approve" else {
                    return redirectBack(req.redirectURI, [("error", "access_denied"), ("error_description", "the user denied access")], state: req.state)
                }
                try database.saveConsent(userId: session.user.id, clientId: req.client.id, scope: req.scope)
                return try issueCode(req, user: session.user)
            }
            let prompt = Set((q["prompt"] ?? "").split(separator: " ").map(String.init))
            let remembered = try database.consent(userId: session.user.id, clientId: req.client.id)
            if remembered != nil, !prompt.contains("consent") { return try issueCode(req, user: session.user) }
            if prompt.contains("none") {
                return redirectBack(req.redirectURI, [("error", "consent_required"), ("error_description", "consent is needed")], state: req.state)
            }
            var fields: [(String, String)] = [("csrf", session.csrfToken)]
            for key in ["response_type", "client_id", "redirect_uri", "code_challenge", "code_challenge_method", "state", "scope", "resource"] {
                if let v = q[key] { fields.append((key, v)) }
            }
            return AuthPages.consent(clientName: req.client.name, clientID: req.client.id, redirectHost: RedirectURIMatcher.displayHost(req.redirectURI),
                                     scope: req.scope, userEmail: session.user.email, fields: fields)
        } catch {
            logger.error("authorization failure", metadata: ["error": "\(error)"])
            return AuthPages.error(title: "Error", message: "Something went wrong; try again.", status: .internalServerError)
        }
    }

    private func issueCode(_ req: AuthRequest, user: User) throws -> Response {
        let code = TokenHasher.newToken(prefix: "jac")
        try database.insertOAuthCode(OAuthCode(codeHash: TokenHasher.hash(code), clientId: req.client.id, userId: user.id,
                                               redirectUri: req.redirectURI, codeChallenge: req.codeChallenge, scope: req.scope,
                                               resource: req.resource, familyId: UUID().uuidString.lowercased(),
                                               expiresAt: Date().addingTimeInterval(config.codeTTL), usedAt: nil))
        return redirectBack(req.redirectURI, [("code", code)], state: req.state)
    }

    // MARK: Token endpoint

    private func token(_ incoming: Request, client address: String) async -> Response {
        var request = incoming
        if let refusal = await throttle.take([(.tokenPerIP, address)]) { return oauthError(refusal) }
        var clientID = ""
        do {
            let form = try await request.formFields()
            clientID = form["client_id"] ?? ""
            guard !clientID.isEmpty else { throw OAuthError(code: "invalid_client", description: "client_id is required (public clients)", status: 401) }
            if let refusal = await throttle.check(.tokenFailuresPerClient, clientID) { throw refusal }
            switch form["grant_type"] ?? "" {
            case "authorization_code": return cors(try exchangeCode(form, clientID: clientID))
            case "refresh_token": return cors(try refresh(form, clientID: clientID))
            case "": throw OAuthError(code: "invalid_request", description: "grant_type is required")
            default: throw OAuthError(code: "unsupported_grant_type", description: "supported: authorization_code, refresh_token")
            }
        } catch let error as JunctionError where error.status == 413 {
            return oauthError(OAuthError(code: "invalid_request", description: error.message, status: 413))
        } catch let error as OAuthError {
            // Guessing codes or refresh tokens for a client fails: those failures are what the
            // per-client bucket counts, from whatever address they come.
            if !clientID.isEmpty, error.status < 500 { await throttle.charge(.tokenFailuresPerClient, clientID) }
            return oauthError(error)
        } catch {
            return oauthError(error)
        }
    }

    private func exchangeCode(_ form: [String: String], clientID: String) throws -> Response {
        guard let code = form["code"], !code.isEmpty else { throw OAuthError(code: "invalid_request", description: "code is required") }
        guard let verifier = form["code_verifier"], !verifier.isEmpty else {
            throw OAuthError(code: "invalid_request", description: "code_verifier is required (PKCE)")
        }
        let grant: OAuthCode
        switch try database.redeemOAuthCode(hash: TokenHasher.hash(code)) {
        case .unknown: throw OAuthError(code: "invalid_grant", description: "unknown authorization code")
        case .replayed:
            logger.warning("authorization code replayed: tokens issued from it are revoked", metadata: ["client": "\(clientID)"])
            throw OAuthError(code: "invalid_grant", description: "authorization code already used; tokens issued from it are revoked")
        case .fresh(let c): grant = c
        }
        guard grant.expiresAt > Date() else { throw OAuthError(code: "invalid_grant", description: "authorization code expired") }
        guard grant.clientId == clientID else { throw OAuthError(code: "invalid_grant", description: "the code was issued to another client") }
        guard form["redirect_uri"] == nil || form["redirect_uri"] == grant.redirectUri else {
            throw OAuthError(code: "invalid_grant", description: "redirect_uri does not match the authorization request")
        }
        guard PKCE.verify(verifier: verifier, challenge: grant.codeChallenge) else {
            throw OAuthError(code: "invalid_grant", description: "code_verifier does not match code_challenge")
        }
        if let resource = form["resource"], normalizedResource(resource) != grant.resource {
            throw OAuthError(code: "invalid_target", description: "resource must be \(grant.resource)")
        }
        let response = try issueTokens(clientID: clientID, userID: grant.userId, scope: grant.scope, resource: grant.resource, familyID: grant.familyId)
        // The client completed a flow: it no longer expires as an abandoned registration.
        try database.markOAuthClientUsed(id: clientID)
        return response
    }

    private func refresh(_ form: [String: String], clientID: String) throws -> Response {
        guard let token = form["refresh_token"], !token.isEmpty else { throw OAuthError(code: "invalid_request", description: "refresh_token is required") }
        let old: OAuthToken
        switch try database.useRefreshToken(hash: TokenHasher.hash(token), clientId: clientID) {
        case .invalid: throw OAuthError(code: "invalid_grant", description: "refresh token is invalid, expired, or revoked")
        case .reused:
            logger.warning("refresh token reused: its token family is revoked", metadata: ["client": "\(clientID)"])
            throw OAuthError(code: "invalid_grant", description: "refresh token already used; every token of this grant is revoked")
        case .fresh(let t): old = t
        }
        if let resource = form["resource"], normalizedResource(resource) != old.resource {
            throw OAuthError(code: "invalid_target", description: "resource must be \(old.resource)")
        }
        if let scope = form["scope"], !scope.split(separator: " ").allSatisfy({ old.scope.split(separator: " ").contains($0) }) {
            throw OAuthError(code: "invalid_scope", description: "a refresh cannot widen the scope")
        }
        return try issueTokens(clientID: clientID, userID: old.userId, scope: old.scope, resource: old.resource, familyID: old.familyId)
    }

    private func issueTokens(clientID: String, userID: String, scope: String, resource: String, familyID: String) throws -> Response {
        guard let user = try database.user(id: userID), !user.disabled else {
            throw OAuthError(code: "invalid_grant", description: "the user is disabled")
        }
        let access = TokenHasher.newToken(prefix: "jat"), refresh = TokenHasher.newToken(prefix: "jrt")
        let now = Date()
        func row(_ token: String, _ kind: String, _ ttl: TimeInterval) -> OAuthToken {
            OAuthToken(id: UUID().uuidString.lowercased(), tokenHash: TokenHasher.hash(token), kind: kind, familyId: familyID,
                       clientId: clientID, userId: userID, scope: scope, resource: resource, createdAt: now,
                       expiresAt: now.addingTimeInterval(ttl), usedAt: nil, revokedAt: nil)
        }
        try database.insertOAuthTokens([row(access, "access", config.accessTokenTTL), row(refresh, "refresh", config.refreshTokenTTL)])
        return JSONResponse.make(["access_token": .string(access), "token_type": "Bearer", "expires_in": .number(config.accessTokenTTL.rounded()),
                                  "refresh_token": .string(refresh), "scope": .string(scope)],
                                 headers: [HTTPField.Name("Pragma")!: "no-cache"])
    }

    // MARK: Revocation and registration

    private func revoke(_ incoming: Request) async -> Response {
        var request = incoming
        do {
            let form = try await request.formFields()
            guard let clientID = form["client_id"], !clientID.isEmpty else {
                throw OAuthError(code: "invalid_client", description: "client_id is required (public clients)", status: 401)
            }
            guard let token = form["token"], !token.isEmpty else { throw OAuthError(code: "invalid_request", description: "token is required") }
            try database.revokeOAuthToken(hash: TokenHasher.hash(token), clientId: clientID)
            // RFC 7009 §2.2: 200 whether or not the token was known.
            return cors(Response(status: .ok))
        } catch {
            return oauthError(error)
        }
    }

    private func registerClient(_ incoming: Request, client address: String) async -> Response {
        var request = incoming
        if let refusal = await throttle.take([(.registerPerIP, address)]) {
            logger.notice("OAuth registration throttled", metadata: ["bucket": "\(refusal.bucket?.rawValue ?? "unavailable")"])
            return oauthError(refusal)
        }
        do {
            let body: JSONValue
            do { body = try await request.jsonBody(limit: 16_384) } catch let e as JunctionError {
                throw OAuthError(code: "invalid_client_metadata", description: e.message, status: e.status == 413 ? 413 : 400)
            }
            let registered = try clients.register(body)
            logger.info("OAuth client registered", metadata: ["client": "\(registered["client_id"]?.stringValue ?? "")"])
            return cors(JSONResponse.make(registered, status: .created))
        } catch {
            return oauthError(error)
        }
    }
}
