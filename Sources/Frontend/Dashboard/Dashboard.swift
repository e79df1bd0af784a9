import Config
import Foundation
import Hummingbird
import JunctionCore
import Logging
import Status
import Store

/// The dashboard: server-rendered pages for a signed-in person (`/`, `/sources`, `/catalog`,
/// `/endpoint`, `/executions[/{id}]`, `/admin`) and their static assets. Pages read the store
/// directly; every change goes through the management API (`/api/v1/...`) with the session's
/// CSRF token.
struct Dashboard: Sendable {
    let auth: Authenticator
    let database: any JunctionStore
    /// Heartbeats and recent failures (`/admin/status`).
    let board: StatusBoard
    let config: FrontendConfiguration
    let logger: Logger

    func register(on router: Router<FrontendContext>) {
        Assets.register(on: router)
        OpenAPISpec.register(on: router)
        let pages = router.group().add(middleware: DashboardPageMiddleware(auth: auth, logger: logger))
        pages.get("/") { _, ctx in try await OverviewPage(database: database, session: ctx.requireWebSession(), mcpURL: mcpURL).render() }
        pages.get("/sources") { _, ctx in
            try await SourcesPage(database: database, session: ctx.requireWebSession(), stdioServers: config.common.stdioServers).render()
        }
        pages.get("/sources/table") { _, ctx in try await SourcesPage(database: database, session: ctx.requireWebSession()).tableFragment() }
        pages.get("/catalog") { req, ctx in
            // Form encoding: a GET form sends spaces as '+'.
            let fields = req.queryFields
            return try await CatalogPage(database: database, session: ctx.requireWebSession(), query: fields["q"] ?? "",
                                   source: fields["source"].flatMap { $0.isEmpty ? nil : $0 }).render()
        }
        pages.get("/endpoint") { _, ctx in EndpointPage(session: try ctx.requireWebSession(), mcpURL: mcpURL).render() }
        pages.get("/executions") { req, ctx in
            try await ExecutionsPage(database: database, session: ctx.requireWebSession()).list(before: req.uri.queryParameters.get("before"))
        }
        pages.get("/executions/:id") { _, ctx in
            try await ExecutionsPage(database: database, session: ctx.requireWebSession()).detail(id: ctx.parameters.get("id") ?? "")
        }
        pages.get("/admin") { _, ctx in
            AdminPage(session: try ctx.requireAdmin()).render()
        }
        pages.get("/admin/status") { _, ctx in try await AdminStatusPage(board: board, session: ctx.requireAdmin()).render() }
        pages.get("/admin/status/live") { _, ctx in try await AdminStatusPage(board: board, session: ctx.requireAdmin()).liveFragment() }
    }

    /// The `/mcp` URL clients use.
    var mcpURL: String { auth.mcpResource }
}

extension FrontendContext {
    /// The browser session of an administrator; 403 for anyone else.
    func requireAdmin() throws -> WebSession {
        let session = try requireWebSession()
        guard session.user.isAdmin else { throw JunctionError("forbidden", "only administrators can open this page", status: 403) }
        return session
    }
}
