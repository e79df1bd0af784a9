import Hummingbird
import JunctionCore
import Logging

/// Admission to `/mcp`, `/sse` and `/messages`: the `Origin` check (DNS-rebinding
/// protection, a JSON-RPC 403), then the bearer token (`RouteCredentials.mcp`: personal API
/// tokens and OAuth access tokens for the `/mcp` resource, through the `UserCache`). Sets
/// `context.identity`; a refusal is the JSON error with the RFC 9728 `WWW-Authenticate`
/// challenge MCP clients use to discover the authorization server.
struct MCPAuthMiddleware: RouterMiddleware {
    typealias Context = FrontendContext

    let endpoint: MCPEndpoint

    func handle(_ request: Request, context: FrontendContext, next: (Request, FrontendContext) async throws -> Response) async throws -> Response {
        if let denied = endpoint.checkOrigin(request) { return denied }
        var context = context
        do {
            context.identity = try endpoint.users.identity(for: request, auth: endpoint.auth)
        } catch let error as JunctionError {
            return JSONResponse.error(error, headers: [.wwwAuthenticate: endpoint.auth.challenge(for: error)])
        } catch {
            endpoint.logger.error("authentication failed", metadata: ["error": "\(error)"])
            return JSONResponse.error(JunctionError("internal_error", "internal error"))
        }
        return try await next(request, context)
    }
}
