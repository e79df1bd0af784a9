/// The credentials a route accepts, declared where the route is registered. Authentication
/// follows the route that will serve the request, so every spelling of a path the router
/// resolves to that route (`//api/v1/tokens`, `/api//v1/tokens/`, …) gets the same answer.
enum RouteCredentials: Sendable, Equatable {
    /// The management API (`/api/v1/*`): personal API tokens, or the browser session cookie
    /// with its CSRF header on unsafe methods. OAuth access tokens are refused: their scope
    /// `mcp` covers `/mcp` only.
    case management
    /// `/mcp` and its legacy endpoints (`/sse`, `/messages`): personal API tokens and OAuth
    /// access tokens issued for the `/mcp` resource. No cookies (no CSRF surface).
    case mcp

    /// Whether OAuth access tokens (audience `/mcp`) are accepted.
    var acceptsAccessTokens: Bool { self == .mcp }
    /// Whether the browser session cookie is accepted.
    var acceptsSessionCookie: Bool { self == .management }
}
