import Foundation
import HTTPTypes
import Hummingbird
import JunctionCore
import JWTKit
import Logging
import Secrets
import Store
import Upstream

/// Sign-in with any standard OpenID Connect issuer: discovery, authorization code flow
/// with PKCE (S256), `state` bound to the browser and `nonce`; the ID token is verified
/// against the issuer's JWKS (signature, `iss`, `aud`, `exp`, `nonce`). Every outbound
/// call goes through `UpstreamHTTP` (SSRF policy, size caps, timeouts).
///
/// Accounts are found by issuer + subject (`user_identities`). An identity not linked yet
/// is linked once to the account holding its email — only when the issuer says the email
/// is verified (`email_verified: true`; `JUNCTION_OIDC_REQUIRE_EMAIL_VERIFIED=false` also
/// accepts a missing claim, never `false`) — and from then on the email no longer decides.
struct OIDCSignIn: Sendable {
    let auth: Authenticator
    let policy: SignInPolicy
    let http: UpstreamHTTP
    let config: AuthConfiguration
    let logger: Logger

    static let stateCookie = "junction_oidc"
    var database: any JunctionStore { auth.database }
    var callbackURL: String { auth.publicURL + "/signin/oidc/callback" }

    func register(on router: Router<FrontendContext>) {
        router.get("/signin/oidc") { request, _ in await self.start(request) }
        router.get("/signin/oidc/callback") { request, _ in await self.callback(request) }
    }

    /// The issuer's discovery document (the fields used here).
    struct Discovery: Sendable {
        var issuer: String
        var authorizationEndpoint: String
        var tokenEndpoint: String
        var jwksURI: String
        var authMethods: [String]
    }

    struct SignInError: Error {
        var message: String
        var status: HTTPResponse.Status = .badRequest
    }

    private func getJSON(_ url: String, what: String) async throws -> [String: JSONValue] {
        guard let u = URL(string: url) else { throw SignInError(message: "the issuer's \(what) URL is invalid") }
        let r: UpstreamResponse
        do { r = try await http.send(method: "GET", url: u, headers: [("Accept", "application/json")], maxBytes: 1_048_576, timeout: .seconds(10)) } catch let e as any CodedError {
            throw SignInError(message: "cannot reach the identity provider (\(what)): \(e.message)")
        }
        guard r.status == 200, case .object(let o) = (try? JSONValue.parse(r.body)) ?? .null else {
            throw SignInError(message: "the identity provider's \(what) answered HTTP \(r.status) without a JSON object")
        }
        return o
    }

    func discover() async throws -> Discovery {
        guard let issuer = config.oidcIssuer else { throw SignInError(message: "OpenID Connect is not configured") }
        var base = issuer
        while base.hasSuffix("/") { base.removeLast() }
        let o = try await getJSON(base + "/.well-known/openid-configuration", what: "discovery document")
        guard let iss = o["issuer"]?.stringValue, iss == issuer || iss == base else {
            throw SignInError(message: "the discovery document's issuer does not match JUNCTION_OIDC_ISSUER")
        }
        guard let authz = o["authorization_endpoint"]?.stringValue, let token = o["token_endpoint"]?.stringValue,
              let jwks = o["jwks_uri"]?.stringValue else {
            throw SignInError(message: "the discovery document lacks authorization_endpoint, token_endpoint or jwks_uri")
        }
        return Discovery(issuer: iss, authorizationEndpoint: authz, tokenEndpoint: token, jwksURI: jwks,
                         authMethods: o["token_endpoint_auth_methods_supported"]?.arrayValue?.compactMap(\.stringValue) ?? ["client_secret_basic"])
    }

    private func fail(_ message: String, status: HTTPResponse.Status = .badRequest) -> Response {
        AuthPages.error(title: "Sign-in failed", message: message, status: status)
    }

    private func start(_ request: Request) async -> Response {
        guard config.oidcEnabled, let clientID = config.oidcClientID else { return fail("Single sign-on is not configured.", status: .notFound) }
        do {
            let d = try await discover()
            let state = TokenHasher.newToken(prefix: "st"), nonce = TokenHasher.newToken(prefix: "n")
            let pkce = UpstreamPKCE.generate()
            try await database.insertOIDCState(OIDCLoginState(stateHash: TokenHasher.hash(state), nonce: nonce, codeVerifier: pkce.verifier,
                                                        next: RedirectTarget.sameOriginPath(request.queryFields["next"]),
                                                        expiresAt: Date().addingTimeInterval(600)))
            let query = FormCoding.encode([("response_type", "code"), ("client_id", clientID), ("redirect_uri", callbackURL),
                                           ("scope", config.oidcScopes), ("state", state), ("nonce", nonce),
                                           ("code_challenge", pkce.challenge), ("code_challenge_method", UpstreamPKCE.method)])
            let cookie = Cookie(name: Self.stateCookie, value: state, maxAge: 600, path: "/signin/oidc", secure: auth.cookiesSecure,
                                httpOnly: true, sameSite: .lax)
            return AuthPages.redirect(d.authorizationEndpoint + (d.authorizationEndpoint.contains("?") ? "&" : "?") + query, cookies: [cookie])
        } catch let e as SignInError {
            logger.warning("OIDC sign-in could not start", metadata: ["error": "\(e.message)"])
            return fail(e.message, status: .badGateway)
        } catch {
            logger.error("OIDC sign-in failure", metadata: ["error": "\(error)"])
            return fail("Something went wrong.", status: .internalServerError)
        }
    }

    private func callback(_ request: Request) async -> Response {
        guard config.oidcEnabled, let clientID = config.oidcClientID else { return fail("Single sign-on is not configured.", status: .notFound) }
        let q = request.queryFields
        let clearState = Cookie(name: Self.stateCookie, value: "", maxAge: 0, path: "/signin/oidc", secure: auth.cookiesSecure, httpOnly: true, sameSite: .lax)
        do {
            guard let state = q["state"], !state.isEmpty, let bound = request.cookies[Self.stateCookie]?.value,
                  Authenticator.constantTimeEquals(bound, state),
                  let pending = try await database.takeOIDCState(hash: TokenHasher.hash(state)) else {
                throw SignInError(message: "The sign-in request is unknown or expired (state mismatch); start again.")
            }
            if let error = q["error"] { throw SignInError(message: "The identity provider refused: \(error) \(q["error_description"] ?? "")") }
            guard let code = q["code"], !code.isEmpty else { throw SignInError(message: "The identity provider sent no code.") }
            let d = try await discover()
            let idToken = try await exchange(code: code, verifier: pending.codeVerifier, discovery: d, clientID: clientID)
            let claims = try await verify(idToken: idToken, discovery: d, clientID: clientID, nonce: pending.nonce)
            let user = try await account(for: claims)
            logger.info("OIDC sign-in", metadata: ["user": "\(user.id)"])
            return try await AuthPages.redirect(pending.next, cookies: [clearState, auth.startSession(for: user)])
        } catch let e as SignInError {
            logger.warning("OIDC sign-in failed", metadata: ["error": "\(e.message)"])
            var r = fail(e.message, status: e.status)
            r.setCookie(clearState)
            return r
        } catch {
            logger.error("OIDC sign-in failure", metadata: ["error": "\(error)"])
            return fail("Something went wrong.", status: .internalServerError)
        }
    }

    /// The account these verified claims sign in to, linking or creating it as the type
    /// describes; a refusal is a `SignInError` (403 when policy says no).
    func account(for claims: IDTokenClaims) async throws -> User {
        let issuer = claims.iss.value, subject = claims.sub.value
        // The email must be in the ID token (scope `email`): the allowlist keys on it.
        guard let email = claims.email?.lowercased(), email.contains("@") else {
            throw SignInError(message: "The identity provider's ID token carries no email address (request the email scope).")
        }
        guard Self.emailIsVerified(claims.emailVerified, required: config.requireEmailVerified) else {
            throw SignInError(message: claims.emailVerified == false
                ? "The identity provider says this email address is not verified."
                : "The identity provider did not say that this email address is verified (email_verified), so Junction cannot trust it.")
        }
        if let linked = try await database.userForIdentity(issuer: issuer, subject: subject, email: email) {
            guard try await policy.maySignIn(email: linked.email, existing: linked) else { throw refusal(linked.email) }
            return linked
        }
        guard try await policy.maySignIn(email: email, existing: try await database.user(email: email)) else { throw refusal(email) }
        switch try await database.linkIdentity(issuer: issuer, subject: subject, email: email) {
        case .existing(let user), .linked(let user), .created(let user):
            return user
        case .conflict:
            logger.warning("OIDC sign-in refused: the account is linked to another identity of this issuer")
            throw SignInError(message: "The Junction account for \(email) is linked to a different identity at this provider; sign in with that one.",
                              status: .forbidden)
        }
    }

    /// Whether `email_verified` lets the email be trusted.
    static func emailIsVerified(_ claim: Bool?, required: Bool) -> Bool {
        claim == true || (claim == nil && !required)
    }

    private func refusal(_ email: String) -> SignInError {
        logger.info("OIDC sign-in refused by allowlist or disabled account")
        return SignInError(message: "\(email) may not sign in to this Junction (not on the allowlist, or disabled).", status: .forbidden)
    }

    private func exchange(code: String, verifier: String, discovery d: Discovery, clientID: String) async throws -> String {
        var form: [(String, String)] = [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", callbackURL), ("code_verifier", verifier)]
        var headers = [("Content-Type", "application/x-www-form-urlencoded"), ("Accept", "application/json")]
        if let secret = config.oidcClientSecret {
            if d.authMethods.contains("client_secret_basic") || !d.authMethods.contains("client_secret_post") {
                let enc = { (s: String) in s.addingPercentEncoding(withAllowedCharacters: FormCoding.unreserved) ?? s }
                headers.append(("Authorization", "Basic " + Data("\(enc(clientID)):\(enc(secret))".utf8).base64EncodedString()))
            } else {
                form += [("client_id", clientID), ("client_secret", secret)]
            }
        } else {
            form.append(("client_id", clientID))
        }
        guard let url = URL(string: d.tokenEndpoint) else { throw SignInError(message: "the token endpoint URL is invalid") }
        let r: UpstreamResponse
        do {
            r = try await http.send(method: "POST", url: url, headers: headers, body: Data(FormCoding.encode(form).utf8),
                                    maxBytes: 1_048_576, timeout: .seconds(10), followRedirects: false)
        } catch let e as any CodedError { throw SignInError(message: "cannot reach the identity provider's token endpoint: \(e.message)") }
        let o = (try? JSONValue.parse(r.body))?.objectValue ?? [:]
        guard r.status == 200, let idToken = o["id_token"]?.stringValue else {
            let err = o["error"]?.stringValue ?? "HTTP \(r.status)"
            throw SignInError(message: "The identity provider refused the code: \(err) \(o["error_description"]?.stringValue ?? "")")
        }
        return idToken
    }

    /// The ID token claims Junction reads.
    struct IDTokenClaims: JWTPayload {
        var iss: IssuerClaim
        var sub: SubjectClaim
        var aud: AudienceClaim
        var exp: ExpirationClaim
        var nonce: String?
        var email: String?
        var emailVerified: Bool?

        enum CodingKeys: String, CodingKey { case iss, sub, aud, exp, nonce, email, emailVerified = "email_verified" }

        init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            iss = try c.decode(IssuerClaim.self, forKey: .iss)
            sub = try c.decode(SubjectClaim.self, forKey: .sub)
            aud = try c.decode(AudienceClaim.self, forKey: .aud)
            exp = try c.decode(ExpirationClaim.self, forKey: .exp)
            nonce = try c.decodeIfPresent(String.self, forKey: .nonce)
            email = try c.decodeIfPresent(String.self, forKey: .email)
            // Some issuers send "true"/"false" as strings.
            if let b = try? c.decodeIfPresent(Bool.self, forKey: .emailVerified) { emailVerified = b }
            else if let s = try? c.decodeIfPresent(String.self, forKey: .emailVerified) { emailVerified = s.lowercased() == "true" }
        }

        func verify(using algorithm: some JWTAlgorithm) async throws {
            try exp.verifyNotExpired(currentDate: Date().addingTimeInterval(-60))
        }
    }

    func verify(idToken: String, discovery d: Discovery, clientID: String, nonce: String) async throws -> IDTokenClaims {
        let jwks = try await getJSON(d.jwksURI, what: "JWKS")
        let keys = JWTKeyCollection()
        var added = 0
        for key in jwks["keys"]?.arrayValue ?? [] {
            guard key["use"]?.stringValue != "enc",
                  var jwk = try? JSONDecoder().decode(JWK.self, from: Data(key.jsonString().utf8)) else { continue }
            // Some issuers publish keys without `kid`; name them so the collection accepts them.
            if jwk.keyIdentifier == nil { jwk.keyIdentifier = JWKIdentifier(string: "junction-unnamed-\(added)") }
            if (try? await keys.add(jwk: jwk)) != nil { added += 1 }
        }
        guard added > 0 else { throw SignInError(message: "the identity provider's JWKS holds no usable signing key") }
        let claims: IDTokenClaims
        do { claims = try await keys.verify(idToken, as: IDTokenClaims.self, iteratingKeys: true) } catch {
            logger.warning("ID token rejected", metadata: ["error": "\(error)"])
            throw SignInError(message: "The ID token's signature or expiry is not valid.")
        }
        guard claims.iss.value == d.issuer else { throw SignInError(message: "The ID token comes from another issuer.") }
        guard claims.aud.value.contains(clientID) else { throw SignInError(message: "The ID token was issued for another client.") }
        guard let n = claims.nonce, Authenticator.constantTimeEquals(n, nonce) else { throw SignInError(message: "The ID token's nonce does not match.") }
        return claims
    }
}
