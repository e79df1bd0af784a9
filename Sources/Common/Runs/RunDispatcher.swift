import Foundation
import Jobs
import JunctionCore
import JunctionMetrics
import JunctionTracing
import Tracing

/// Sends `search`/`execute` runs to the workers through the user's job stream and
/// waits for the reply on this instance's reply stream.
package struct RunDispatcher: Sendable {
    /// One progress event of a run, as the worker reported it.
    package typealias Progress = RunProgressEvent

    /// A run that is queued and whose reply this instance waits for (`finish`).
    package struct Pending: Sendable {
        package let jobID: String
        package let owner: String
        fileprivate let progress: AsyncStream<JSONValue>?
    }

    /// What `start` did.
    package enum Start: Sendable {
        case started(Pending)
        /// Nothing was queued; the run's answer.
        case refused(RunResult)
        /// The session the run was started for does not exist (or is another user's).
        case sessionNotFound
    }

    package let queue: JobQueue
    package let listener: ReplyListener
    package let slots: RunSlots
    package let timeout: Duration
    package let queueWait: Duration

    package init(queue: JobQueue, listener: ReplyListener, slots: RunSlots, timeout: Duration, queueWait: Duration) {
        self.queue = queue
        self.listener = listener
        self.slots = slots
        self.timeout = timeout
        self.queueWait = queueWait
    }

    /// How long a run may still be alive after it was queued (with a margin): how long a
    /// session remembers which job answers one of its requests, and a cancel request lasts.
    package var runLifetime: Duration { timeout + queueWait + .seconds(60) }

    /// Queues a run of `code` for `owner`. With `session`, the run is queued only while
    /// that session exists (checked in the same round trip) and the session remembers
    /// the job. With `progress`, the worker reports the run's steps, for `finish`.
    package func start(_ tool: RunRequest.Tool, code: String, owner: String, session: RunSlots.SessionBinding? = nil,
               progress: Bool = false) async -> Start {
        guard Traces.isEnabled else { return await enqueue(tool, code: code, owner: owner, session: session, progress: progress) }
        // The producer's span: the job carries its context to the worker's consumer span.
        return await Traces.withSpan("\(tool.rawValue) enqueue", ofKind: .producer) { span in
            let start = await enqueue(tool, code: code, owner: owner, session: session, progress: progress)
            switch start {
            case .started(let pending): span?.attributes["junction.job.id"] = pending.jobID
            case .refused(let result): span?.setStatus(SpanStatus(code: .error, message: result.structured["error"]?["name"]?.stringValue))
            case .sessionNotFound: span?.setStatus(SpanStatus(code: .error, message: "session_not_found"))
            }
            return start
        }
    }

    private func enqueue(_ tool: RunRequest.Tool, code: String, owner: String, session: RunSlots.SessionBinding?,
                         progress: Bool) async -> Start {
        let request = RunRequest(tool: tool, code: code, timeoutMs: timeout.milliseconds, progress: progress)
        // The job expires if no worker starts it in time, so a late start never runs
        // something the caller was already told had failed.
        let deadline = Date().addingTimeInterval(Double((timeout + queueWait).milliseconds) / 1000)
        let job = JobEnvelope(request, owner: owner, deadline: deadline, replyTo: listener.frontendID)
        // Registered before the job exists, so a reply (or progress) that arrives before
        // `finish` waits is kept.
        listener.register(jobID: job.id)
        let events = progress ? listener.subscribe(channel: RunChannel.progress(jobID: job.id)) : nil
        let outcome: RunSlots.Outcome
        do {
            // The per-user run slot, the session check and the enqueue: one round trip.
            outcome = try await slots.acquireAndEnqueue(job, on: queue, session: session)
        } catch {
            forget(job.id, progress: progress)
            Task { await slots.release(owner: owner, runID: job.id) }  // the slot may or may not be held
            return .refused(.error("the job queue is unavailable; try again shortly", code: "queue_unavailable"))
        }
        switch outcome {
        case .enqueued:
            return .started(Pending(jobID: job.id, owner: owner, progress: events))
        case .atCapacity:
            forget(job.id, progress: progress)
            MetricCatalog.rateLimitRefusals.increment(["limit": "runs"])
            return .refused(.error("you already have \(slots.maxPerUser) runs in progress (limit maxConcurrentRunsPerUser, JUNCTION_MAX_RUNS_PER_USER); wait for one to finish, then try again",
                                   code: "too_many_runs"))
        case .noSession:
            forget(job.id, progress: progress)
            return .sessionNotFound
        }
    }

    private func forget(_ jobID: String, progress: Bool) {
        listener.unregister(jobID: jobID)
        if progress { listener.unsubscribe(channel: RunChannel.progress(jobID: jobID)) }
    }

    /// Waits for a started run's reply, handing its progress events to `onProgress`.
    /// Cancelling the calling task cancels the run: the worker stops it.
    package func finish(_ pending: Pending, onProgress: (@Sendable (Progress) async -> Void)? = nil) async -> RunResult {
        let (jobID, owner) = (pending.jobID, pending.owner)
        let progressTask = pending.progress.map { events in
            Task {
                for await event in events {
                    await onProgress?(RunProgressEvent(json: event))
                }
            }
        }
        defer {
            if progressTask != nil {
                listener.unsubscribe(channel: RunChannel.progress(jobID: jobID))
                progressTask?.cancel()
            }
        }
        guard let reply = await listener.wait(jobID: jobID, timeout: timeout + queueWait + .seconds(5)) else {
            // No reply: the worker did not free the run's slot, so this does.
            Task { await slots.release(owner: owner, runID: jobID) }
            if Task.isCancelled {
                // A fresh task: this one is cancelled, and the request must still reach Redis.
                await Task { await cancel(jobID: jobID) }.value
                return .error("the run was cancelled", code: "cancelled")
            }
            return .error("no result arrived within \((timeout + queueWait).milliseconds) ms: either no worker was free, or the run was lost. It may have partly happened.", code: "run_timeout")
        }
        return RunResult(reply: reply)
    }

    /// Asks the worker to stop a run started elsewhere (e.g. on another instance).
    package func cancel(jobID: String) async {
        try? await queue.requestCancel(jobID: jobID, ttl: runLifetime)
    }
}
