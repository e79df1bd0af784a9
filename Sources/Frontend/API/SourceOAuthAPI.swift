import AsyncHTTPClient
import Config
import Foundation
import HTTPTypes
import Hummingbird
import Jobs
import JunctionCore
import Logging
import Runs
import Secrets
import Store
import Upstream

/// Signing in to OAuth-protected MCP sources (Junction as an OAuth client):
/// `POST /api/v1/sources/{slug}/oauth/start` discovers the server's authorization server,
/// registers Junction (Client ID Metadata Document or RFC 7591), and returns the
/// authorization URL; `GET /upstream-oauth/callback` finishes the exchange and stores the
/// grant sealed — only in the browser session that started it (or, for a start made with
/// an API token, a session or token of the same account), so nobody can make a victim's
/// grant land in their source or theirs in the victim's; `GET /upstream-oauth/client-metadata.json` is Junction's own client
/// document; `GET /upstream-oauth/callback.js` tells the opening window how it went.
struct SourceOAuthAPI: Sendable {
    let auth: Authenticator
    let database: any JunctionStore
    let queue: JobQueue
    let box: SecretBox
    let config: FrontendConfiguration
    let logger: Logger

    /// The management API, whose source lookup `oauth/start` shares.
    private var management: SourcesAPI {
        SourcesAPI(auth: auth, database: database, queue: queue, box: box, policy: config.common.outboundPolicy, config: config, logger: logger)
    }
    private var http: UpstreamHTTP { UpstreamHTTP(client: UpstreamHTTP.processClient, policy: config.common.outboundPolicy) }
    private var flows: UpstreamOAuthFlowStore { UpstreamOAuthFlowStore(redis: queue.redis, box: box) }
    private var base: String {
        var b = config.publicURL
        while b.hasSuffix("/") { b.removeLast() }
        return b
    }
    private var redirectURI: String { base + "/upstream-oauth/callback" }
    private var clientMetadataURL: String? {
        UpstreamOAuthRegistration.clientMetadataURL(publicURL: base, allowInsecure: config.common.outboundPolicy.allowLoopbackHTTP)
    }

    func register(on router: Router<FrontendContext>) {
        let api = router.group("/api/v1").add(middleware: ManagementAuthMiddleware(auth: auth, challenge: .realm))
        api.post("/sources/:slug/oauth/start") { req, ctx in
            var request = req
            let identity = try ctx.requireIdentity()
            let body = try await Self.optionalJSON(&request)
            let url = try await start(user: identity.user, source: management.source(identity.user, ctx),
                                      forceConsent: body?["forceConsent"]?.boolValue ?? false, binding: Self.sessionBinding(request, identity))
            return JSONResponse.make(["authorizationUrl": .string(url.absoluteString)])
        }
        router.get("/upstream-oauth/callback") { req, _ in await callback(req) }
        router.get("/upstream-oauth/callback.js") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/javascript; charset=utf-8", .cacheControl: "public, max-age=300"],
                     body: .init(byteBuffer: ByteBuffer(string: Self.callbackScript)))
        }
        router.get("/upstream-oauth/client-metadata.json") { _, _ in
            guard let id = clientMetadataURL else {
                return JSONResponse.error(JunctionError.notFound("Junction's public URL is not https, so it publishes no client metadata document"))
            }
            var response = JSONResponse.make(UpstreamOAuthRegistration.metadataDocument(clientID: id, redirectURI: redirectURI, clientURI: base))
            response.headers[.cacheControl] = "public, max-age=3600"
            return response
        }
    }

    // MARK: - start

    /// The binding of a flow started by this (already authenticated) request: the digest of
    /// its session cookie when it authenticated with the session, else nil.
    static func sessionBinding(_ request: Request, _ identity: Identity) -> String? {
        guard case .webSession = identity.credential, let cookie = request.cookies[Authenticator.sessionCookie]?.value, !cookie.isEmpty else {
            return nil
        }
        return binding(ofSession: cookie)
    }

    static func binding(ofSession cookie: String) -> String { TokenHasher.hash("upstream-oauth-session:" + cookie) }

    func start(user: User, source: Source, forceConsent: Bool, binding: String? = nil) async throws -> URL {
        let slug = source.slug
        guard source.type == .mcp, source.authType == SourceAuthType.oauth else {
            throw JunctionError.badRequest("source \(slug) does not use OAuth (its auth.type is \(source.authType.rawValue))", code: "not_oauth_source")
        }
        guard let text = source.baseUrl, let mcpURL = URL(string: text) else { throw JunctionError.badRequest("source \(slug) has no baseUrl") }
        let plan = try await UpstreamOAuthDiscovery(http: http).discover(mcpURL: mcpURL)
        let client = try await clientRegistration(for: source, plan: plan)
        let pkce = UpstreamPKCE.generate()
        let flow = UpstreamOAuthFlow(owner: user.id, sourceID: source.id, verifier: pkce.verifier, redirectURI: redirectURI,
                                     resource: plan.resource, scope: plan.scope, issuer: plan.metadata.issuer,
                                     tokenEndpoint: plan.metadata.tokenEndpoint, issRequired: plan.metadata.issParameterSupported, client: client,
                                     sessionBinding: binding)
        let state = try await flows.begin(flow)
        var parameters: [(String, String)] = [
            ("response_type", "code"), ("client_id", client.clientID), ("redirect_uri", redirectURI), ("state", state),
            ("code_challenge", pkce.challenge), ("code_challenge_method", UpstreamPKCE.method), ("resource", plan.resource),
        ]
        if let scope = plan.scope { parameters.append(("scope", scope)) }
        if forceConsent { parameters.append(("prompt", "consent")) }
        logger.info("upstream OAuth sign-in started", metadata: [
            "source": "\(slug)", "issuer": "\(plan.metadata.issuer)", "client": "\(client.kind)",
        ])
        return try UpstreamOAuthURLs.authorizationURL(endpoint: plan.metadata.authorizationEndpoint, parameters: parameters)
    }

    /// The registration to use: the one stored with an earlier grant from the same issuer
    /// (re-authorisation does not register again), else a new one.
    private func clientRegistration(for source: Source, plan: UpstreamOAuthPlan) async throws -> UpstreamOAuthClient {
        let choice = UpstreamOAuthRegistration.choose(plan.metadata, clientMetadataURL: clientMetadataURL)
        if let grant = try? await database.sourceOAuthGrant(owner: source.owner, sourceID: source.id, box: box),
           UpstreamOAuthURLs.sameIssuer(grant.issuer, plan.metadata.issuer) {
            if case .metadataDocument(let id) = choice, grant.client.clientID != id {
                // fall through: the document URL changed (new public URL)
            } else {
                return grant.client
            }
        }
        switch choice {
        case .metadataDocument(let id):
            return UpstreamOAuthClient(kind: "metadata_document", clientID: id)
        case .dynamic(let endpoint):
            return try await UpstreamOAuthRegistration.register(http: http, endpoint: endpoint, redirectURI: redirectURI, scope: plan.scope)
        case .unsupported(let message):
            throw UpstreamOAuthError.discovery(message)
        }
    }

    // MARK: - callback

    private func callback(_ request: Request) async -> Response {
        // Decoded as a form (RFC 6749 appendix B: `+` is a space); the first value of each name wins.
        let query = request.queryFields
        let state = query["state"] ?? ""
        do {
            guard !state.isEmpty, let pending = try await flows.peek(state) else {
                return page(ok: false, status: .badRequest, title: "Sign-in link not valid",
                            message: "This sign-in link is unknown, has expired, or was already used. Start the sign-in again from the Sources page.")
            }
            // Bound to whoever started it; checked before the state is used up, so a refused
            // attempt leaves the rightful browser able to finish.
            if let refusal = try await bindingRefusal(request, pending) { return refusal }
            guard let flow = try await flows.take(state) else {
                return page(ok: false, status: .badRequest, title: "Sign-in link not valid", message: "This sign-in link was already used.")
            }
            guard let source = try await database.source(owner: flow.owner, id: flow.sourceID), source.authType == SourceAuthType.oauth else {
                return page(ok: false, status: .notFound, title: "Source not found", message: "The source this sign-in was for no longer exists.")
            }
            if let error = query["error"] {
                let detail = query["error_description"].map { ": \($0)" } ?? ""
                logger.info("upstream OAuth sign-in declined", metadata: ["source": "\(source.slug)", "error": "\(error)"])
                return page(ok: false, status: .badRequest, title: "Sign-in to \(source.name) was not completed",
                            message: "The authorization server answered \(error)\(detail). Nothing was changed; you can start again.", slug: source.slug)
            }
            do {
                try flow.checkIssuer(query["iss"])
            } catch let error as JunctionError {
                logger.warning("upstream OAuth issuer mismatch", metadata: ["source": "\(source.slug)", "error": "\(error.message)"])
                return page(ok: false, status: .badRequest, title: "Sign-in refused", message: error.message + ". Nothing was changed.", slug: source.slug)
            }
            guard let code = query["code"], !code.isEmpty else {
                return page(ok: false, status: .badRequest, title: "Sign-in refused", message: "The authorization response carried no code.", slug: source.slug)
            }
            let tokens: UpstreamOAuthTokens
            do {
                tokens = try await UpstreamOAuthTokenClient(http: http).exchange(
                    code: code, verifier: flow.verifier, redirectURI: flow.redirectURI, resource: flow.resource,
                    client: flow.client, tokenEndpoint: flow.tokenEndpoint)
            } catch let failure as UpstreamOAuthTokenFailure {
                return page(ok: false, status: .badGateway, title: "Sign-in to \(source.name) failed",
                            message: "The token exchange failed: \(failure.description). Nothing was changed; you can start again.", slug: source.slug)
            }
            let grant = UpstreamOAuthGrant(issuer: flow.issuer, tokenEndpoint: flow.tokenEndpoint, resource: flow.resource,
                                           scope: tokens.scope ?? flow.scope, client: flow.client, tokens: tokens)
            try await database.saveSourceOAuthGrant(owner: source.owner, sourceID: source.id, grant: grant, box: box)
            // "queued" until the refresher lists the tools, so nobody mistakes the old catalog for the new one.
            try await database.transitionSource(owner: source.owner, id: source.id, to: .queued, error: nil)
            do {
                try await queue.enqueue(JobEnvelope(RefreshRequest(sourceID: source.id), owner: source.owner))
            } catch {
                _ = try? await database.transitionSource(owner: source.owner, id: source.id, from: .queued, to: .ready,
                                                 error: "signed in, but the catalog refresh could not be queued; refresh the source to list its tools")
            }
            logger.info("upstream OAuth sign-in completed", metadata: ["source": "\(source.slug)", "refreshToken": "\(tokens.refreshToken != nil)"])
            return page(ok: true, status: .ok, title: "Signed in to \(source.name)",
                        message: "Junction can now use \(source.name). Its tools are being listed; you can close this window.", slug: source.slug)
        } catch let error as any CodedError {
            return page(ok: false, status: HTTPResponse.Status(code: error.status), title: "Sign-in failed", message: error.message)
        } catch {
            logger.error("upstream OAuth callback failed", metadata: ["error": "\(error)"])
            return page(ok: false, status: .internalServerError, title: "Sign-in failed", message: "Junction could not finish the sign-in (internal error).")
        }
    }

    /// Why this request may not finish `flow`, as the page to show; nil when it may. A flow
    /// started in a browser session finishes only in that session; one started with an API
    /// token, in a session or with a token of the same account. Anonymous never finishes one.
    private func bindingRefusal(_ request: Request, _ flow: UpstreamOAuthFlow) async throws -> Response? {
        let session = try await auth.webSession(for: request)
        if flow.sessionBinding != nil, session == nil { return signInFirst() }
        if let binding = flow.sessionBinding {
            if let session, session.user.id == flow.owner, let cookie = request.cookies[Authenticator.sessionCookie]?.value,
               Authenticator.constantTimeEquals(Self.binding(ofSession: cookie), binding) {
                return nil
            }
            logger.warning("upstream OAuth callback refused: not the browser session that started it",
                           metadata: ["signedIn": "\(session != nil)"])
            return page(ok: false, status: .forbidden, title: "Sign-in belongs to another browser session",
                        message: "This sign-in was started in a different Junction session. Finish it in the browser window where you started it, or start the sign-in again. Nothing was changed.")
        }
        var caller = session?.user.id
        if caller == nil, request.headers[.authorization] != nil {
            caller = try? await auth.user(for: request, accepting: .management).id
        }
        guard let caller else { return signInFirst() }
        guard caller == flow.owner else {
            logger.warning("upstream OAuth callback refused: another account")
            return page(ok: false, status: .forbidden, title: "Sign-in belongs to another account",
                        message: "This sign-in was started by a different Junction account. Sign in to Junction as that account, or start the sign-in again. Nothing was changed.")
        }
        return nil
    }

    private func signInFirst() -> Response {
        logger.warning("upstream OAuth callback refused: nobody is signed in")
        return page(ok: false, status: .unauthorized, title: "Sign in to Junction first",
                    message: "This sign-in can only be finished in a browser signed in to Junction as the account that started it. Sign in, then start the sign-in again. Nothing was changed.")
    }

    private static func optionalJSON(_ request: inout Request) async throws -> JSONValue? {
        let buffer = try await request.collectBody(limit: 16 * 1024)
        guard buffer.readableBytes > 0 else { return nil }
        guard let value = try? JSONValue.parse(Data(buffer.readableBytesView)), value.objectValue != nil else {
            throw JunctionError.badRequest("the body must be a JSON object such as {\"forceConsent\": true}", code: "invalid_json")
        }
        return value
    }

    // MARK: - pages

    /// The result page: no inline script (CSP `script-src 'self'`), the outcome in data
    /// attributes read by callback.js, and no Referer (the URL carried the code).
    private func page(ok: Bool, status: HTTPResponse.Status, title: String, message: String, slug: String? = nil) -> Response {
        let e = HTML.escape
        let html = """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><meta name="referrer" content="no-referrer">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(e(title)) · Junction</title><link rel="stylesheet" href="/assets/app.css">
            <script src="/upstream-oauth/callback.js" defer></script></head>
            <body data-oauth-result="\(ok ? "ok" : "error")" data-source="\(e(slug ?? ""))" data-message="\(e(message))">
            <main class="auth-card"><h1>\(e(title))</h1><p id="oauth-message">\(e(message))</p>
            <p><a href="/sources">Back to sources</a></p></main></body></html>
            """
        return Response(status: status, headers: [
            // Stricter than the dashboard's (no connect, no forms) and no Referer at all; the
            // other security headers come from `SecurityHeadersMiddleware`.
            .contentType: "text/html; charset=utf-8",
            .contentSecurityPolicy: "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
            .referrerPolicy: "no-referrer",
        ], body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// Tells the window that opened the sign-in (the dashboard) how it went, addressed to
    /// Junction's own origin only; without an opener, a success goes back to /sources.
    static let callbackScript = """
        (function () {
          var body = document.body;
          var ok = body.getAttribute("data-oauth-result") === "ok";
          var message = { type: "junction:upstream-oauth", ok: ok,
                          source: body.getAttribute("data-source") || null,
                          message: body.getAttribute("data-message") || "" };
          if (window.opener && !window.opener.closed) {
            try { window.opener.postMessage(message, window.location.origin); } catch (e) {}
            if (ok) { window.close(); }
          } else if (ok) {
            window.location.replace("/sources");
          }
        })();
        """
}
