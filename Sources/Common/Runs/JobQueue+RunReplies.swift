import Jobs

extension JobQueue {
    /// Sends the reply to `job` to the frontend that waits for it, if any. An execute
    /// job's run slot (`RunSlots`) is freed in the same round trip, before the reply
    /// exists: a frontend that got the reply has no release of its own to make.
    package func publishReply(_ reply: JobReply, for job: JobEnvelope) async throws {
        try await publishReply(reply, for: job, after: RunSlots.commandsBeforeReply(to: job))
    }
}
