import Jobs
import Runs

extension RunJobHandler {
    /// A run's slot is freed before any reply to it exists, the processor's own reply to
    /// a run that expired in the queue included.
    package func commandsBeforeReply(to job: JobEnvelope) -> [[String]] { RunSlots.commandsBeforeReply(to: job) }
}
