/// Does the work of one kind of job. Handlers report their own outcome (replies, store
/// updates); the processor acknowledges the job once `handle` returns.
package protocol JobHandler: Sendable {
    /// Runs a job.
    func handle(_ delivery: JobDelivery) async
    /// Called for a job whose worker died holding it, when it must not run again
    /// (execute jobs, or refresh jobs out of attempts).
    func handleLost(_ delivery: JobDelivery) async
    /// Redis commands sent in the same round trip as, and before, a reply the processor
    /// itself sends for `job` (the one for a job that expired in the queue). None by default.
    func commandsBeforeReply(to job: JobEnvelope) -> [[String]]
}

extension JobHandler {
    package func commandsBeforeReply(to job: JobEnvelope) -> [[String]] { [] }
}
