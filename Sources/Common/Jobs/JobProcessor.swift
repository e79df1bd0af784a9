import Foundation
import JunctionCore
import JunctionTracing
import JunctionMetrics
import Logging
import Redis
import ServiceLifecycle
import Synchronization
import Tracing

/// Consumes one kind of job with bounded concurrency: takes the next job in the driver's
/// fair order (the longest-waiting user's), runs it, acknowledges it. Also keeps its
/// in-flight jobs visibly alive, and reclaims jobs of dead consumers (re-queued when
/// their kind retries, as refresh jobs, which are at-least-once; reported lost
/// otherwise, as execute jobs, which are at-most-once: `JobKind.retry`).
///
/// A `Service`: on graceful shutdown (SIGTERM) it stops taking jobs at once, even one a
/// waiting read is about to hand it, finishes those in flight for up to
/// `Options.drainTimeout`, then returns. Jobs still running then are abandoned: their
/// entries stay pending, and another consumer's reclaim sweep reports them lost (execute)
/// or runs them again (refresh).
package struct JobProcessor<Driver: JobDriver>: Service {
    package struct Options: Sendable {
        package var concurrency: Int
        package var visibilityTimeout: Duration
        /// How long a graceful shutdown waits for jobs in flight (`JUNCTION_DRAIN_SECONDS`).
        package var drainTimeout: Duration
        package init(concurrency: Int, visibilityTimeout: Duration, drainTimeout: Duration = .seconds(30)) {
            self.concurrency = concurrency
            self.visibilityTimeout = visibilityTimeout
            self.drainTimeout = drainTimeout
        }
    }

    package let kind: JobKind
    package let queue: Driver
    package let handler: any JobHandler
    package let options: Options
    package let consumer: String
    package let logger: Logger
    private let inFlight = InFlight()

    package init(kind: JobKind, queue: Driver, handler: any JobHandler, options: Options,
                 consumer: String = defaultJobConsumerName(), logger: Logger) {
        self.kind = kind
        self.queue = queue
        self.handler = handler
        self.options = options
        self.consumer = consumer
        self.logger = logger
    }


    /// How many jobs this processor is working on now.
    package var inFlightCount: Int { inFlight.count }

    package func run() async throws {
        let slots = AsyncSemaphore(permits: options.concurrency)
        let reader = queue.makeReader(for: kind)
        defer { queue.closeReader(reader) }
        let stopping = StopFlag()
        logger.info("consuming \(kind.rawValue) jobs", metadata: ["consumer": "\(consumer)", "concurrency": "\(options.concurrency)"])
        let maintenance = Task { await self.maintenanceLoop() }
        // Jobs run in tasks of their own, not children of this one: a job that outlives the
        // drain deadline must not keep the process from exiting.
        let jobs = JobTasks()
        await withGracefulShutdownHandler {
            var failures = 0
            while !Task.isCancelled && !stopping.isSet {
                await slots.acquire()
                var started = false
                defer { if !started { slots.release() } }
                // Waiting for a free slot may outlast the start of a graceful shutdown: claim
                // nothing more then. A read already waiting asks `stopping` before it claims.
                if Task.isCancelled || stopping.isSet { break }
                do {
                    let delivery = try await queue.nextJob(kind, reader: reader, consumer: consumer, timeoutSeconds: 1,
                                                           claiming: { !stopping.isSet })
                    if failures > 0 {
                        logger.notice("queue reachable again", metadata: ["failedReads": "\(failures)"])
                        failures = 0
                    }
                    guard let delivery else { continue }
                    let waitedMs = Int64(Date().timeIntervalSince1970 * 1000) - delivery.envelope.createdAt
                    MetricCatalog.queueWait.observe(.milliseconds(max(0, waitedMs)), ["kind": kind.rawValue])
                    started = true
                    inFlight.insert(delivery)
                    jobs.start {
                        defer { slots.release() }
                        await self.process(delivery)
                    }
                } catch {
                    // Redis is away: say so once, then retry quietly and soon, so the consumer
                    // is back within a fraction of a second of Redis.
                    if failures == 0 { logger.warning("queue read failed; retrying", metadata: ["error": "\(error)"]) }
                    failures += 1
                    try? await Task.sleep(for: .milliseconds(200))
                }
            }
        } onGracefulShutdown: {
            stopping.set()
            // Wakes the loop if it waits for a free slot: it is to stop, not to wait for one.
            slots.release()
        }
        let pending = inFlight.count
        logger.info("stopping: waiting for in-flight \(kind.rawValue) jobs",
                    metadata: ["jobs": "\(pending)", "deadline": "\(options.drainTimeout)"])
        let deadline = ContinuousClock.now + options.drainTimeout
        // (Cancelled rather than shut down gracefully: no waiting at all.)
        while inFlight.count > 0 && ContinuousClock.now < deadline && !Task.isCancelled { try? await Task.sleep(for: .milliseconds(50)) }
        if inFlight.count > 0 {
            logger.warning("drain deadline passed: abandoning in-flight jobs (another consumer reclaims them)",
                           metadata: ["jobs": "\(inFlight.count)"])
            jobs.cancelAll()
        }
        maintenance.cancel()
        await maintenance.value
    }

    private func process(_ delivery: JobDelivery) async {
        defer { inFlight.remove(delivery) }
        if delivery.envelope.owner.isEmpty {
            logger.error("dropping unreadable job entry", metadata: ["entry": "\(delivery.entryID)"])
        } else if delivery.envelope.isExpired {
            // Nobody waits any more; running it now could surprise the caller who was told it failed.
            logger.warning("dropping expired job", metadata: ["job": "\(delivery.envelope.id)"])
            try? await queue.publishReply(JobReply(jobID: delivery.envelope.id, errorCode: "expired",
                                                   message: "the job expired before a worker could start it"), for: delivery.envelope,
                                          after: handler.commandsBeforeReply(to: delivery.envelope))
        } else if Traces.isEnabled {
            // The consumer's side of the trace the producer began (its context rode in the job).
            let envelope = delivery.envelope
            await Traces.withSpan("\(kind.rawValue) job", context: Traces.context(continuing: envelope.trace), ofKind: .consumer) { span in
                span?.attributes["junction.job.id"] = envelope.id
                span?.attributes["junction.job.attempt"] = envelope.attempt
                span?.attributes["junction.job.queued_ms"] = Int(Int64(Date().timeIntervalSince1970 * 1000) - envelope.createdAt)
                await handler.handle(delivery)
            }
        } else {
            await handler.handle(delivery)
        }
        do { try await queue.ack(delivery) } catch {
            logger.error("cannot acknowledge job", metadata: ["job": "\(delivery.envelope.id)", "error": "\(error)"])
        }
    }

    private func maintenanceLoop() async {
        let touchEvery = options.visibilityTimeout / 3
        var sinceReclaim = Duration.zero
        while !Task.isCancelled {
            try? await Task.sleep(for: touchEvery)
            if Task.isCancelled { return }
            do {
                try await queue.touch(inFlight.all, consumer: consumer)
            } catch {
                logger.warning("cannot extend in-flight jobs", metadata: ["error": "\(error)"])
            }
            sinceReclaim += touchEvery
            if sinceReclaim >= options.visibilityTimeout / 2 {
                sinceReclaim = .zero
                await reclaim()
            }
        }
    }

    /// One reclaim sweep (public for tests).
    package func reclaim() async {
        do {
            let stale = try await queue.reclaimStale(kind, consumer: consumer, minIdle: options.visibilityTimeout)
            for delivery in stale where !inFlight.contains(delivery) {
                let envelope = delivery.envelope
                if case .upTo(let attempts) = kind.retry, envelope.attempt < attempts, !envelope.owner.isEmpty {
                    var retry = envelope
                    retry.attempt += 1
                    logger.notice("re-queueing refresh job of a dead worker", metadata: ["job": "\(envelope.id)", "attempt": "\(retry.attempt)"])
                    try await queue.enqueue(retry)
                } else if !envelope.owner.isEmpty {
                    logger.notice("job lost with its worker", metadata: ["job": "\(envelope.id)", "kind": "\(kind.rawValue)"])
                    await handler.handleLost(delivery)
                }
                try await queue.ack(delivery)
            }
        } catch {
            logger.warning("reclaim sweep failed", metadata: ["error": "\(error)"])
        }
    }
}

/// A consumer name unique to this process: host, pid and a random suffix.
package func defaultJobConsumerName() -> String {
    "\(ProcessInfo.processInfo.hostName)-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8).lowercased())"
}

/// Set once, when a graceful shutdown begins; read from any thread.
private final class StopFlag: Sendable {
    private let value = Atomic<Bool>(false)
    func set() { value.store(true, ordering: .relaxed) }
    var isSet: Bool { value.load(ordering: .relaxed) }
}

/// The tasks running jobs, so those still running at the drain deadline can be cancelled.
private final class JobTasks: Sendable {
    private let tasks = Mutex<[UUID: Task<Void, Never>]>([:])

    func start(_ body: @escaping @Sendable () async -> Void) {
        let id = UUID()
        tasks.withLock { t in
            t[id] = Task {
                await body()
                _ = self.tasks.withLock { $0.removeValue(forKey: id) }
            }
        }
    }

    func cancelAll() { tasks.withLock { $0.values.forEach { $0.cancel() } } }
}

/// The jobs this process is working on.
private final class InFlight: Sendable {
    private let items = Mutex<[String: JobDelivery]>([:])
    func insert(_ d: JobDelivery) { items.withLock { $0[d.stream + "/" + d.entryID] = d } }
    func remove(_ d: JobDelivery) { _ = items.withLock { $0.removeValue(forKey: d.stream + "/" + d.entryID) } }
    func contains(_ d: JobDelivery) -> Bool { items.withLock { $0[d.stream + "/" + d.entryID] != nil } }
    var all: [JobDelivery] { items.withLock { Array($0.values) } }
    var count: Int { items.withLock { $0.count } }
}
