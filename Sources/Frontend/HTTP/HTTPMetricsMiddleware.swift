import Hummingbird
import JunctionMetrics

/// Counts every answer of the frontend (`junction_http_requests_total`) and how long it took
/// to be ready (`junction_http_request_duration_seconds`), labelled by the route pattern the
/// router matched (`/api/v1/sources/{slug}`), never the path that was asked for: a request no
/// route serves is `unmatched`. With the method and status also bounded (`MetricLabel`), no
/// request can add a label value. The router's outermost middleware, so it sees what the
/// error mapping made of a failure, and the router's not-found answers too.
struct HTTPMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        do {
            let response = try await next(request, context)
            record(request, context, status: response.status.code, started: started)
            return response
        } catch {
            record(request, context, status: (error as? any HTTPResponseError)?.status.code ?? 500, started: started)
            throw error
        }
    }

    private func record(_ request: Request, _ context: Context, status: Int, started: ContinuousClock.Instant) {
        let route = Self.route(context.endpointPath)
        let method = MetricLabel.method(request.method.rawValue)
        MetricCatalog.httpRequests.increment(["route": route, "method": method, "status": MetricLabel.status(status)])
        MetricCatalog.httpRequestDuration.observe(ContinuousClock.now - started, ["route": route, "method": method])
    }

    /// The matched route's pattern; `unmatched` when no route served the request (the
    /// router's not-found answer says `NotFound`).
    static func route(_ endpointPath: String?) -> String {
        guard let path = endpointPath, path.hasPrefix("/") else { return "unmatched" }
        return path
    }
}
