import Hummingbird
import JunctionCore
import Logging

/// The dashboard pages' authentication and errors: a request without a live browser
/// session is redirected to sign-in (coming back to the page afterwards); a signed-in one
/// gets `context.identity` (credential `.webSession`), and whatever the page throws is shown
/// as an error page inside the dashboard chrome: a `CodedError` with its status and
/// message, anything else as a 500 whose details go only to the log.
struct DashboardPageMiddleware: RouterMiddleware {
    typealias Context = FrontendContext

    let auth: Authenticator
    let logger: Logger

    func handle(_ request: Request, context: FrontendContext, next: (Request, FrontendContext) async throws -> Response) async throws -> Response {
        var session: WebSession?
        do {
            guard let found = try await auth.webSession(for: request) else {
                let path = request.uri.path + (request.uri.query.map { "?" + $0 } ?? "")
                return Layout.signInRedirect(next: path)
            }
            session = found
            var context = context
            context.identity = Identity(user: found.user, credential: .webSession(csrfToken: found.csrfToken))
            return try await next(request, context)
        } catch let error as any CodedError {
            return Layout.errorPage(error, session: session)
        } catch {
            logger.error("dashboard page failed", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            return Layout.errorPage(JunctionError("internal_error", "internal error"), session: session)
        }
    }
}

extension FrontendContext {
    /// The browser session of a dashboard page (set by `DashboardPageMiddleware`).
    func requireWebSession() throws -> WebSession {
        guard let session = try requireIdentity().webSession else { throw JunctionError.unauthorized("sign in to open this page") }
        return session
    }
}
