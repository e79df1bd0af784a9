import Common
import Foundation

/// Sends `search`/`execute` runs to the workers through the user's job stream and
/// waits for the reply on this instance's reply stream.
struct RunDispatcher: Sendable {
    /// One progress event of a run, as the worker reported it.
    struct Progress: Sendable, Equatable {
        var progress: Double
        var message: String?
    }

    let queue: JobQueue
    let listener: ReplyListener
    let slots: RunSlots
    let timeout: Duration
    let queueWait: Duration

    /// Runs `code`. With `onProgress`, the worker reports the run's steps as they happen.
    /// With `onStart`, the caller learns the job id (to cancel it from elsewhere).
    /// Cancelling the calling task cancels the run: the worker stops it.
    func run(_ tool: RunRequest.Tool, code: String, owner: String,
             onStart: (@Sendable (String) async -> Void)? = nil,
             onProgress: (@Sendable (Progress) async -> Void)? = nil) async -> RunResult {
        let request = RunRequest(tool: tool, code: code, timeoutMs: timeout.milliseconds, progress: onProgress != nil)
        // The job expires if no worker starts it in time, so a late start never runs
        // something the caller was already told had failed.
        let deadline = Date().addingTimeInterval(Double((timeout + queueWait).milliseconds) / 1000)
        let job = JobEnvelope(kind: .execute, owner: owner, deadline: deadline, replyTo: listener.frontendID, body: request.json)
        // Registered before the job exists, so a reply that arrives before `wait` is kept.
        listener.register(jobID: job.id)
        let progressTask = onProgress.map { handler in
            let events = listener.subscribe(channel: "progress:\(job.id)")
            return Task {
                for await event in events {
                    await handler(Progress(progress: event["progress"]?.numberValue ?? 0, message: event["message"]?.stringValue))
                }
            }
        }
        defer {
            if progressTask != nil {
                listener.unsubscribe(channel: "progress:\(job.id)")
                progressTask?.cancel()
            }
        }
        // The per-user run slot and the enqueue are one round trip to Redis.
        defer { Task { await slots.release(owner: owner, runID: job.id) } }
        do {
            guard try await slots.acquireAndEnqueue(job, on: queue) else {
                listener.unregister(jobID: job.id)
                return .error("you already have \(slots.maxPerUser) runs in progress (limit maxConcurrentRunsPerUser, JUNCTION_MAX_RUNS_PER_USER); wait for one to finish, then try again",
                              code: "too_many_runs")
            }
        } catch {
            listener.unregister(jobID: job.id)
            return .error("the job queue is unavailable; try again shortly", code: "queue_unavailable")
        }
        await onStart?(job.id)
        guard let reply = await listener.wait(jobID: job.id, timeout: timeout + queueWait + .seconds(5)) else {
            if Task.isCancelled {
                // A fresh task: this one is cancelled, and the request must still reach Redis.
                await Task { try? await queue.requestCancel(jobID: job.id, ttl: timeout + queueWait + .seconds(60)) }.value
                return .error("the run was cancelled", code: "cancelled")
            }
            return .error("no result arrived within \((timeout + queueWait).milliseconds) ms: either no worker was free, or the run was lost. It may have partly happened.", code: "run_timeout")
        }
        if reply.ok, let value = reply.value { return RunResult(json: value) }
        return .error(reply.errorMessage ?? "the run failed", code: reply.errorCode ?? "run_failed")
    }

    /// Asks the worker to stop a run started elsewhere (e.g. on another instance).
    func cancel(jobID: String) async {
        try? await queue.requestCancel(jobID: jobID, ttl: timeout + queueWait + .seconds(60))
    }
}
