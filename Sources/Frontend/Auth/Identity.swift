import Store

/// Who a request acts for, as the authentication middleware of its route group found it:
/// the enabled user and the kind of credential that proved it.
struct Identity: Sendable, Equatable {
    /// The credential a request authenticated with.
    enum Credential: Sendable, Equatable {
        /// A personal API token (`Authorization: Bearer jtk_…`): management API and `/mcp`.
        case apiToken
        /// An OAuth access token Junction issued for the `/mcp` resource: `/mcp` only.
        case accessToken
        /// The browser session cookie; `csrfToken` is the token unsafe requests must echo
        /// (already checked by the middleware) and pages embed.
        case webSession(csrfToken: String)
    }

    let user: User
    let credential: Credential

    /// The dashboard's view of a session identity (nil for bearer credentials).
    var webSession: WebSession? {
        guard case .webSession(let csrf) = credential else { return nil }
        return WebSession(user: user, csrfToken: csrf)
    }
}
