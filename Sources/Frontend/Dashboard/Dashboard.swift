import Foundation
import Hummingbird
import JunctionCore
import Logging
import Store

/// The dashboard: server-rendered pages for a signed-in person (`/`, `/sources`, `/catalog`,
/// `/endpoint`, `/executions[/{id}]`, `/admin`) and their static assets. Pages read the store
/// directly; every change goes through the management API (`/api/v1/...`) with the session's
/// CSRF token.
struct Dashboard: Sendable {
    let auth: Authenticator
    let database: any JunctionStore
    let config: FrontendConfiguration
    let logger: Logger

    func register(on router: Router<FrontendContext>) {
        Assets.register(on: router)
        OpenAPISpec.register(on: router)
        router.get("/") { req, _ in await self.page(req) { try await OverviewPage(database: database, session: $0, mcpURL: mcpURL).render() } }
        router.get("/sources") { req, _ in await self.page(req) { try await SourcesPage(database: database, session: $0).render() } }
        router.get("/sources/table") { req, _ in await self.page(req) { try await SourcesPage(database: database, session: $0).tableFragment() } }
        router.get("/catalog") { req, _ in await self.page(req) { session in
            // Form encoding: a GET form sends spaces as '+'.
            let fields = req.queryFields
            return try await CatalogPage(database: database, session: session, query: fields["q"] ?? "",
                                   source: fields["source"].flatMap { $0.isEmpty ? nil : $0 }).render()
        } }
        router.get("/endpoint") { req, _ in await self.page(req) { EndpointPage(session: $0, mcpURL: mcpURL).render() } }
        router.get("/executions") { req, _ in await self.page(req) { session in
            try await ExecutionsPage(database: database, session: session).list(before: req.uri.queryParameters.get("before"))
        } }
        router.get("/executions/:id") { req, ctx in await self.page(req) { session in
            try await ExecutionsPage(database: database, session: session).detail(id: ctx.parameters.get("id") ?? "")
        } }
        router.get("/admin") { req, _ in await self.page(req) { session in
            guard session.user.isAdmin else { throw JunctionError("forbidden", "only administrators can open this page", status: 403) }
            return AdminPage(session: session).render()
        } }
    }

    /// The `/mcp` URL clients use.
    var mcpURL: String { auth.mcpResource }

    /// Resolves the session (or redirects to sign-in) and renders errors as pages.
    private func page(_ request: Request, _ render: (WebSession) async throws -> Response) async -> Response {
        var session: WebSession?
        do {
            guard let found = try await auth.webSession(for: request) else {
                let path = request.uri.path + (request.uri.query.map { "?" + $0 } ?? "")
                return Layout.signInRedirect(next: path)
            }
            session = found
            return try await render(found)
        } catch let error as any CodedError {
            return Layout.errorPage(JunctionError(error), session: session)
        } catch {
            logger.error("dashboard page failed", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            return Layout.errorPage(JunctionError("internal_error", "internal error"), session: session)
        }
    }
}
