import Foundation
import JunctionCore
import Redis

/// Events for a waiting frontend (run progress, legacy SSE messages). They travel on the
/// receiving frontend's reply stream as `event` entries (`{"channel": …, "data": …}`),
/// so a frontend still needs only its one `XREAD`.
extension JobQueue {
    /// Sends an event to whoever subscribed to `channel` on `frontend`.
    package func publishEvent(channel: String, data: JSONValue, to frontend: String) async throws {
        let payload: JSONValue = ["channel": .string(channel), "data": data]
        try await redis.send(["XADD", replyKey(frontend: frontend), "MAXLEN", "~", "10000", "*", "event", payload.jsonString()])
    }
}
