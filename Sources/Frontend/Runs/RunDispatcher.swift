import Common
import Foundation

/// Sends `search`/`execute` runs to the workers through the user's job stream and
/// waits for the reply on this instance's reply stream.
struct RunDispatcher: Sendable {
    let queue: JobQueue
    let listener: ReplyListener
    let slots: RunSlots
    let timeout: Duration
    let queueWait: Duration

    func run(_ tool: RunRequest.Tool, code: String, owner: String) async -> RunResult {
        let request = RunRequest(tool: tool, code: code, timeoutMs: timeout.milliseconds)
        // The job expires if no worker starts it in time, so a late start never runs
        // something the caller was already told had failed.
        let deadline = Date().addingTimeInterval(Double((timeout + queueWait).milliseconds) / 1000)
        let job = JobEnvelope(kind: .execute, owner: owner, deadline: deadline, replyTo: listener.frontendID, body: request.json)
        do {
            guard try await slots.acquire(owner: owner, runID: job.id, deadline: deadline) else {
                return .error("you already have \(slots.maxPerUser) runs in progress (limit maxConcurrentRunsPerUser); wait for one to finish",
                              code: "limit_exceeded")
            }
        } catch {
            return .error("the job queue is unavailable; try again shortly", code: "queue_unavailable")
        }
        defer { Task { await slots.release(owner: owner, runID: job.id) } }
        listener.register(jobID: job.id)
        do {
            try await queue.enqueue(job)
        } catch {
            listener.unregister(jobID: job.id)
            return .error("the job queue is unavailable; try again shortly", code: "queue_unavailable")
        }
        guard let reply = await listener.wait(jobID: job.id, timeout: timeout + queueWait + .seconds(5)) else {
            return .error("no result arrived within \((timeout + queueWait).milliseconds) ms: either no worker was free, or the run was lost. It may have partly happened.", code: "run_timeout")
        }
        if reply.ok, let value = reply.value { return RunResult(json: value) }
        return .error(reply.errorMessage ?? "the run failed", code: reply.errorCode ?? "run_failed")
    }
}

