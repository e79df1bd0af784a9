import Foundation
import HTTPTypes
import Hummingbird
import JunctionCore
import Logging
import Store

/// Built-in accounts: `/setup` (first account, admin), `/login`, `/logout`. Password
/// attempts are throttled per client address before any hashing, and failed ones per
/// account (`AbuseThrottle`), so the slow hash is never reachable unthrottled.
struct SignInRoutes: Sendable {
    let auth: Authenticator
    let policy: SignInPolicy
    let config: AuthConfiguration
    let throttle: AbuseThrottle
    let logger: Logger

    var database: any JunctionStore { auth.database }

    static var crossOrigin: Response {
        AuthPages.error(title: "Refused", message: "This form was posted from another site.", status: .forbidden)
    }

    func register(on router: Router<FrontendContext>) {
        router.get("/login") { request, _ in try await self.loginPage(request) }
        router.post("/login") { request, context in
            guard self.auth.isSameOrigin(request) else { return Self.crossOrigin }
            return try await self.login(request, client: ClientAddress.throttleKey(request, context, trusted: self.config.trustedProxies))
        }
        router.get("/setup") { _, _ in try await self.setupPage() }
        router.post("/setup") { request, context in
            guard self.auth.isSameOrigin(request) else { return Self.crossOrigin }
            if let refusal = await self.throttle.take([(.signInPerIP, ClientAddress.throttleKey(request, context, trusted: self.config.trustedProxies))]) {
                return Self.throttled(AuthPages.setup(error: refusal.message, status: HTTPResponse.Status(code: refusal.status)), refusal)
            }
            return try await self.setup(request)
        }
        router.get("/logout") { request, _ in try await self.logoutPage(request) }
        router.post("/logout") { request, _ in try await self.logout(request) }
    }

    private func loginPage(_ request: Request) async throws -> Response {
        let next = RedirectTarget.sameOriginPath(request.queryFields["next"])
        if try await auth.webSession(for: request) != nil { return AuthPages.redirect(next) }
        return await AuthPages.login(next: next, oidcEnabled: config.oidcEnabled, setupOpen: try database.userCount() == 0)
    }

    /// A refusal page with its `Retry-After`.
    static func throttled(_ page: Response, _ refusal: ThrottleRefusal) -> Response {
        var response = page
        response.headers[.retryAfter] = String(refusal.retryAfter)
        return response
    }

    private func login(_ incoming: Request, client: String) async throws -> Response {
        var request = incoming
        let form = try await request.formFields()
        let next = RedirectTarget.sameOriginPath(form["next"])
        let email = (form["email"] ?? "").trimmingCharacters(in: .whitespaces).lowercased()
        let password = form["password"] ?? ""
        func refuse(_ message: String, _ status: HTTPResponse.Status) async throws -> Response {
            AuthPages.login(next: next, error: message, oidcEnabled: config.oidcEnabled, setupOpen: try await database.userCount() == 0, status: status)
        }
        // Before any hashing: the address's attempts, then the account's failures (keyed by
        // the email typed, whether or not it exists, so refusals reveal nothing).
        var refusal = await throttle.take([(.signInPerIP, client)])
        if refusal == nil { refusal = await throttle.check(.signInFailuresPerAccount, email) }
        if let refusal {
            logger.notice("sign-in throttled", metadata: ["bucket": "\(refusal.bucket?.rawValue ?? "unavailable")"])
            return try await Self.throttled(refuse(refusal.message, HTTPResponse.Status(code: refusal.status)), refusal)
        }
        let user = try await database.user(email: email)
        let stored: String? = if let user { try await database.passwordHash(userId: user.id) } else { nil }
        // Always pay for one hash so unknown emails are not distinguishable by timing.
        let matches: Bool
        do { matches = try await PasswordHasher.verify(password, against: stored ?? PasswordHasher.decoy) } catch let error as JunctionError {
            return try await Self.throttled(refuse(error.message, HTTPResponse.Status(code: error.status)), ThrottleRefusal(bucket: nil, retryAfter: 5))
        }
        guard let user, stored != nil, matches else {
            await throttle.charge(.signInFailuresPerAccount, email)
            logger.info("sign-in refused: wrong email or password")
            return try await refuse("Wrong email or password.", .unauthorized)
        }
        guard try await policy.maySignIn(email: email, existing: user) else {
            logger.info("sign-in refused by allowlist or disabled account", metadata: ["user": "\(user.id)"])
            return try await refuse("This account may not sign in (disabled or not on the allowlist).", .forbidden)
        }
        return try await AuthPages.redirect(next, cookies: [auth.startSession(for: user)])
    }

    private func setupPage() async throws -> Response {
        guard try await database.userCount() == 0 else { return AuthPages.redirect("/login") }
        return AuthPages.setup()
    }

    private func setup(_ incoming: Request) async throws -> Response {
        var request = incoming
        guard try await database.userCount() == 0 else {
            return AuthPages.error(title: "Setup is done", message: "An account exists already; sign in instead.", status: .conflict)
        }
        let form = try await request.formFields()
        let email = (form["email"] ?? "").trimmingCharacters(in: .whitespaces).lowercased()
        let password = form["password"] ?? ""
        guard email.contains("@"), email.count <= 320 else { return AuthPages.setup(error: "Enter an email address.", status: .badRequest) }
        if let problem = PasswordPolicy.problem(with: password) { return AuthPages.setup(error: problem, status: .badRequest) }
        let hash: String
        do { hash = try await PasswordHasher.hash(password) } catch let error as JunctionError {
            return AuthPages.setup(error: error.message, status: HTTPResponse.Status(code: error.status))
        }
        let user: User
        do { user = try await database.createFirstAdmin(email: email, passwordHash: hash) } catch StoreError.setupDone {
            return AuthPages.error(title: "Setup is done", message: "An account exists already; sign in instead.", status: .conflict)
        }
        logger.notice("first-run setup created the admin account", metadata: ["user": "\(user.id)"])
        return try await AuthPages.redirect("/", cookies: [auth.startSession(for: user)])
    }

    private func logoutPage(_ request: Request) async throws -> Response {
        guard let session = try await auth.webSession(for: request) else { return AuthPages.loggedOut() }
        return AuthPages.response(title: "Sign out", body: """
            <p>Signed in as \(AuthPages.escape(session.user.email)).</p>
            <form method="post" action="/logout">\(AuthPages.hidden("csrf", session.csrfToken))<button type="submit">Sign out</button></form>
            """)
    }

    private func logout(_ incoming: Request) async throws -> Response {
        var request = incoming
        if let session = try await auth.webSession(for: request) {
            let form = try await request.formFields()
            let sent = form["csrf"] ?? request.headers[HTTPField.Name(Authenticator.csrfHeader)!] ?? ""
            guard Authenticator.constantTimeEquals(sent, session.csrfToken) else {
                return AuthPages.error(title: "Not signed out", message: "The sign-out form expired; try again.", status: .forbidden)
            }
        }
        return try await AuthPages.redirect("/login", cookies: [auth.endSession(for: request)])
    }
}
