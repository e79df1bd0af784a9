import Common
import Foundation

/// Sessions of the `initialize`-based protocol revisions, held in Redis so that any
/// frontend instance serves any session.
struct MCPSessionStore: Sendable {
    struct Session: Sendable, Equatable {
        var id: String
        var owner: String
        var protocolVersion: String
    }

    let redis: RedisClient
    private var hash: RedisSessionHash { RedisSessionHash(redis: redis, keyPrefix: "junction:session:", ttlSeconds: 86_400) }

    func create(owner: String, protocolVersion: String) async throws -> Session {
        let id = try await hash.create(idPrefix: "mcps", fields: [("owner", owner), ("protocolVersion", protocolVersion)])
        return Session(id: id, owner: owner, protocolVersion: protocolVersion)
    }

    /// The session, refreshing its expiry; nil when unknown or expired.
    func get(_ id: String) async throws -> Session? {
        guard let values = try await hash.fields(id, ["owner", "protocolVersion"], refresh: true) else { return nil }
        return Session(id: id, owner: values[0], protocolVersion: values[1])
    }

    func delete(_ id: String) async throws {
        try await hash.delete(id)
    }

    private func runKey(session: String, requestID: JSONValue) -> String { "junction:sessionrun:\(session):\(requestID.jsonString())" }

    /// Remembers which job answers a session's request, so `notifications/cancelled`
    /// (which names the request) can cancel the run from any instance.
    func rememberRun(session: String, requestID: JSONValue, jobID: String, ttl: Duration) async {
        _ = try? await redis.send(["SET", runKey(session: session, requestID: requestID), jobID, "PX", String(max(1000, ttl.milliseconds))])
    }

    /// The job started for a session's request, if it is still known.
    func run(session: String, requestID: JSONValue) async -> String? {
        try? await redis.send(["GET", runKey(session: session, requestID: requestID)]).string
    }
}
