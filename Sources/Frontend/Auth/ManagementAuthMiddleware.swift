import HTTPTypes
import Hummingbird
import JunctionCore
import Store

/// Authentication of the management API (`/api/v1/*`): a personal API token, or the browser
/// session cookie with its CSRF header on unsafe methods (`RouteCredentials.management`).
/// Sets `context.identity`; a refusal is the JSON error, with a `WWW-Authenticate` challenge
/// on 401. Added to the route group, so every spelling of a path the router resolves to one
/// of its routes is authenticated the same way.
struct ManagementAuthMiddleware: RouterMiddleware {
    typealias Context = FrontendContext

    /// The `WWW-Authenticate` value a 401 carries.
    enum Challenge: Sendable {
        /// `Bearer realm="junction"` (sources, executions, catalog).
        case realm
        /// The `/mcp` resource's RFC 9728 challenge (me, tokens, admin).
        case resourceMetadata
    }

    let auth: Authenticator
    let challenge: Challenge

    func handle(_ request: Request, context: FrontendContext, next: (Request, FrontendContext) async throws -> Response) async throws -> Response {
        var context = context
        do {
            context.identity = try auth.identity(for: request, accepting: .management)
        } catch let error as JunctionError {
            // The refusal is answered here (401 with its challenge, 403 for a missing CSRF
            // header), so it does not depend on where the error middleware sits.
            guard error.status == 401 else { return JSONResponse.error(error) }
            let value = challenge == .realm ? "Bearer realm=\"junction\"" : auth.challenge(for: error)
            return JSONResponse.error(error, headers: [.wwwAuthenticate: value])
        }
        return try await next(request, context)
    }
}

/// Administrators only: 403 `forbidden` for anyone else. Added after the authentication
/// middleware, on the `/api/v1/admin` group.
struct AdminOnlyMiddleware: RouterMiddleware {
    typealias Context = FrontendContext

    func handle(_ request: Request, context: FrontendContext, next: (Request, FrontendContext) async throws -> Response) async throws -> Response {
        guard try context.requireIdentity().user.isAdmin else { throw JunctionError("forbidden", "administrators only", status: 403) }
        return try await next(request, context)
    }
}
