import Jobs
import JunctionMetrics
import Logging
import Redis
import ServiceLifecycle

/// What every process runs to be seen: its heartbeat and, when a metrics port is set, the
/// listener serving `/metrics`, `/healthz` and `/readyz`.
package struct StatusServices: Sendable {
    /// `frontend`, `worker` or `refresher`.
    package let kind: String
    /// The process's id on the status page (a job consumer's name, a frontend's reply id).
    package let id: String
    package let board: StatusBoard
    package let queue: JobQueue
    /// Redis and the store answer.
    package let readiness: Readiness

    /// `storeProbe` is a cheap read of the store.
    package init(kind: String, id: String, board: StatusBoard, storeProbe: @escaping @Sendable () async throws -> Void) {
        self.kind = kind
        self.id = id
        self.board = board
        self.queue = JobQueue(redis: board.redis)
        let redis = board.redis
        readiness = Readiness(checks: [.init("redis") { _ = try await redis.send("PING") }, .init("store", probe: storeProbe)])
    }

    /// The services, heartbeat first (services stop last to first: it is withdrawn after the
    /// process drained). `inFlight` is asked at every beat and scrape.
    package func services(heartbeatInterval: Duration, metricsHost: String, metricsPort: Int,
                          inFlight: @escaping @Sendable () -> Int = { 0 }, logger: Logger) -> [any Service] {
        let heartbeat = HeartbeatPublisher(board: board, kind: kind, id: id, interval: heartbeatInterval, inFlight: inFlight, logger: logger)
        let sampler = QueueDepthSampler(queue: queue)
        let kind = self.kind
        let server = StatusServer.application(host: metricsHost, port: metricsPort, readiness: readiness, beforeScrape: {
            if kind == "worker" { MetricCatalog.runsInFlight.set(Double(inFlight())) }
            await sampler.sample()
        }, logger: logger)
        return [heartbeat] + (server.map { [$0] } ?? [])
    }
}
