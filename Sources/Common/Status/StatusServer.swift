import Hummingbird
import JunctionMetrics
import Logging
import ServiceLifecycle

/// The small HTTP listener every process may open on `JUNCTION_METRICS_PORT` (bound to
/// `JUNCTION_METRICS_HOST`, loopback by default): `GET /metrics` (Prometheus text format),
/// `GET /healthz` (alive) and `GET /readyz` (Redis and the store answer). It never serves
/// anything else, and the frontend's public listener never serves `/metrics`.
package enum StatusServer {
    /// The routes, for the listener and for tests. `beforeScrape` refreshes sampled gauges
    /// (queue depth) right before `/metrics` is rendered.
    package static func router(readiness: Readiness, beforeScrape: @escaping @Sendable () async -> Void = {}) -> Router<BasicRequestContext> {
        let router = Router()
        router.get("/metrics") { _, _ in
            await beforeScrape()
            JunctionMetricsFactory.bootstrap()
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(bytes: JunctionMetricsFactory.exposition())))
        }
        router.get("/healthz") { _, _ in "ok" }
        router.get("/readyz") { _, _ in try await readyResponse(readiness) }
        return router
    }

    /// `/readyz`'s answer, shared with the frontend's public listener.
    package static func readyResponse(_ readiness: Readiness) async throws -> Response {
        let (status, body) = await readiness.report()
        return Response(status: HTTPResponse.Status(code: status), headers: [.contentType: "application/json", .cacheControl: "no-store"],
                        body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    /// The listener as a service, or nil when `port` is 0 (off).
    package static func application(host: String, port: Int, readiness: Readiness, beforeScrape: @escaping @Sendable () async -> Void = {},
                                    logger: Logger) -> (any Service)? {
        guard port > 0 else { return nil }
        logger.info("metrics listener", metadata: ["address": "\(host):\(port)"])
        return Application(router: router(readiness: readiness, beforeScrape: beforeScrape),
                           configuration: .init(address: .hostname(host, port: port), serverName: "Junction"), logger: logger)
    }
}
