import Foundation
import Jobs
import JunctionCore
import Redis

/// The channels of a run besides its request, one implementation for both ends:
/// - reply: the worker's `publishRunResult` → the frontend's `RunResult(reply:)`;
/// - progress: the worker's `publishProgress` → the dispatcher's subscription to
///   `RunChannel.progress(jobID:)` on its reply stream, as `RunProgressEvent`s;
/// - cancel: the frontend's `requestCancel` → the worker's `isCancelRequested` /
///   `cancelRequested(among:)` on `RedisKeys.cancel(jobID:)`.
extension JobQueue {
    /// Sends the reply to `job` to the frontend that waits for it, if any. An execute
    /// job's run slot (`RunSlots`) is freed in the same round trip, before the reply
    /// exists: a frontend that got the reply has no release of its own to make.
    package func publishReply(_ reply: JobReply, for job: JobEnvelope) async throws {
        try await publishReply(reply, for: job, after: RunSlots.commandsBeforeReply(to: job))
    }

    /// Sends a finished run's result to the frontend that waits for it (freeing its slot).
    package func publishRunResult(_ result: RunResult, for job: JobEnvelope) async throws {
        try await publishReply(JobReply(jobID: job.id, value: result.json), for: job)
    }

    /// Sends one progress event of run `jobID` to `frontend`.
    package func publishProgress(_ event: RunProgressEvent, jobID: String, to frontend: String) async throws {
        try await publishEvent(channel: RunChannel.progress(jobID: jobID), data: event.json, to: frontend)
    }

    /// Asks the worker running `jobID` (or about to) to stop it. Kept for `ttl`, long
    /// enough for a queued job to be dropped when it is claimed.
    package func requestCancel(jobID: String, ttl: Duration = .seconds(600)) async throws {
        try await redis.send(["SET", RedisKeys.cancel(jobID: jobID), "1", "PX", String(max(1000, ttl.milliseconds))])
    }

    /// Whether someone asked to cancel `jobID`.
    package func isCancelRequested(jobID: String) async throws -> Bool {
        try await redis.send(["EXISTS", RedisKeys.cancel(jobID: jobID)]).integer == 1
    }

    /// Which of `jobIDs` someone asked to cancel, in one round trip.
    package func cancelRequested(among jobIDs: [String]) async throws -> [String] {
        let replies = try await redis.pipeline(jobIDs.map { ["EXISTS", RedisKeys.cancel(jobID: $0)] })
        return zip(jobIDs, replies).compactMap { id, reply in reply.integer == 1 ? id : nil }
    }
}

/// Names of the event channels of a run on a frontend's reply stream.
package enum RunChannel {
    /// Where run `jobID`'s progress events go.
    package static func progress(jobID: String) -> String { "progress:\(jobID)" }
}

/// One progress event of a run, as the worker reports it and the dispatcher hands it on:
/// `{"progress": n, "message": "…"}` on the wire.
package struct RunProgressEvent: Sendable, Equatable {
    /// Counts up from 1 (MCP requires progress to increase).
    package var progress: Double
    package var message: String?

    package init(progress: Double, message: String?) {
        self.progress = progress
        self.message = message
    }

    package var json: JSONValue {
        var out: [String: JSONValue] = ["progress": .number(progress)]
        if let message { out["message"] = .string(message) }
        return .object(out)
    }

    package init(json: JSONValue) {
        self.init(progress: json["progress"]?.numberValue ?? 0, message: json["message"]?.stringValue)
    }
}

extension RunResult {
    /// The result a worker's reply carries, or the error it reports.
    package init(reply: JobReply) {
        if reply.ok, let value = reply.value {
            self.init(json: value)
        } else {
            self = .error(reply.errorMessage ?? "the run failed", code: reply.errorCode ?? "run_failed")
        }
    }
}
