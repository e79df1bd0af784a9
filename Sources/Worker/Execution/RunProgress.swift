import Common
import Synchronization

/// Publishes progress events of one run to the frontend that waits for it (when the
/// client asked for progress): one when the code starts, one per upstream call started
/// and finished. Progress only counts up, as MCP requires.
final class RunProgress: Sendable {
    let queue: JobQueue
    let jobID: String
    let frontend: String
    private let step = Atomic<Int>(0)

    init(queue: JobQueue, jobID: String, frontend: String) {
        self.queue = queue
        self.jobID = jobID
        self.frontend = frontend
    }

    /// Best effort: a lost progress event must never fail the run.
    func report(_ message: String) async {
        let n = step.wrappingAdd(1, ordering: .relaxed).newValue
        try? await queue.publishEvent(channel: "progress:\(jobID)", data: ["progress": .number(Double(n)), "message": .string(message)],
                                      to: frontend)
    }
}

/// Set once when a run was cancelled at its caller's request.
final class CancelFlag: Sendable {
    private let value = Atomic<Bool>(false)
    func set() { value.store(true, ordering: .relaxed) }
    var isSet: Bool { value.load(ordering: .relaxed) }
}
