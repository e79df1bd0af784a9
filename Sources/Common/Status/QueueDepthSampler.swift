import Jobs
import JunctionMetrics
import Synchronization

/// Sets `junction_queue_depth` for every job kind from Redis, when `/metrics` is scraped.
/// A kind whose depth cannot be read within `timeout` (Redis away) keeps its last value.
package struct QueueDepthSampler: Sendable {
    package let queue: JobQueue
    package let timeout: Duration

    package init(queue: JobQueue, timeout: Duration = .seconds(1)) {
        self.queue = queue
        self.timeout = timeout
    }

    package func sample() async {
        for kind in JobKind.allCases {
            let depth = Mutex(0)
            let queue = self.queue
            if await Readiness.answers({ let d = try await queue.depth(kind); depth.withLock { $0 = d } }, within: timeout) {
                MetricCatalog.queueDepth.set(Double(depth.withLock { $0 }), ["kind": kind.rawValue])
            }
        }
    }
}
