import Jobs
import Runs
import Synchronization

/// Publishes progress events of one run to the frontend that waits for it (when the
/// client asked for progress): one when the code starts, one per upstream call started
/// and finished. Progress only counts up, as MCP requires.
///
/// Events are sent in order by one task, off the run's path: a call does not wait for
/// Redis before and after it, and concurrent calls cannot publish numbers out of order.
final class RunProgress: Sendable {
    private let events: AsyncStream<RunProgressEvent>.Continuation
    private let sender: Task<Void, Never>
    private let step = Mutex(0)

    init(queue: JobQueue, jobID: String, frontend: String) {
        let (stream, continuation) = AsyncStream<RunProgressEvent>.makeStream()
        events = continuation
        sender = Task {
            // Best effort: a lost progress event must never fail the run.
            for await event in stream {
                try? await queue.publishProgress(event, jobID: jobID, to: frontend)
            }
        }
    }

    /// Queues the next event; never waits.
    func report(_ message: String) {
        // Numbered and queued under one lock, so the numbers go out in order.
        step.withLock { n in
            n += 1
            events.yield(RunProgressEvent(progress: Double(n), message: message))
        }
    }

    /// Sends what is queued and stops; call before publishing the reply, so no progress
    /// event trails the result.
    func finish() async {
        events.finish()
        await sender.value
    }
}

/// Set once when a run was cancelled at its caller's request.
final class CancelFlag: Sendable {
    private let value = Atomic<Bool>(false)
    func set() { value.store(true, ordering: .relaxed) }
    var isSet: Bool { value.load(ordering: .relaxed) }
}
