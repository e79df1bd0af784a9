import Foundation
import JunctionCore
import Redis

/// Side channels of a run: events for a waiting frontend (progress, legacy SSE
/// messages) and cancellation requests for the worker running it.
///
/// Keys:
/// - events travel on the receiving frontend's reply stream as `event` entries
///   (`{"channel": …, "data": …}`), so a frontend still needs only its one `XREAD`;
/// - `junction:cancel:<job>` — set when the caller gave up on a run; the worker polls it.
extension JobQueue {
    package func cancelKey(jobID: String) -> String { "\(prefix):cancel:\(jobID)" }

    /// Sends an event to whoever subscribed to `channel` on `frontend`.
    package func publishEvent(channel: String, data: JSONValue, to frontend: String) async throws {
        let payload: JSONValue = ["channel": .string(channel), "data": data]
        try await redis.send(["XADD", replyKey(frontend: frontend), "MAXLEN", "~", "10000", "*", "event", payload.jsonString()])
    }

    /// Asks the worker running `jobID` (or about to) to stop it. Kept for `ttl`, long
    /// enough for a queued job to be dropped when it is claimed.
    package func requestCancel(jobID: String, ttl: Duration = .seconds(600)) async throws {
        try await redis.send(["SET", cancelKey(jobID: jobID), "1", "PX", String(max(1000, ttl.milliseconds))])
    }

    /// Whether someone asked to cancel `jobID`.
    package func isCancelRequested(jobID: String) async throws -> Bool {
        try await redis.send(["EXISTS", cancelKey(jobID: jobID)]).integer == 1
    }
}
