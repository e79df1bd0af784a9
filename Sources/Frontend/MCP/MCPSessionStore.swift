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
    var ttlSeconds = 86_400

    private func key(_ id: String) -> String { "junction:session:\(id)" }

    func create(owner: String, protocolVersion: String) async throws -> Session {
        let session = Session(id: TokenHasher.newToken(prefix: "mcps"), owner: owner, protocolVersion: protocolVersion)
        try await redis.pipeline([
            ["HSET", key(session.id), "owner", owner, "protocolVersion", protocolVersion],
            ["EXPIRE", key(session.id), String(ttlSeconds)],
        ])
        return session
    }

    /// The session, refreshing its expiry; nil when unknown or expired.
    func get(_ id: String) async throws -> Session? {
        guard id.count < 200 else { return nil }
        let replies = try await redis.pipeline([["HGETALL", key(id)], ["EXPIRE", key(id), String(ttlSeconds)]])
        guard let fields = replies[0].array, !fields.isEmpty else { return nil }
        var map: [String: String] = [:]
        var i = 0
        while i + 1 < fields.count { map[fields[i].string ?? ""] = fields[i + 1].string; i += 2 }
        guard let owner = map["owner"], let version = map["protocolVersion"] else { return nil }
        return Session(id: id, owner: owner, protocolVersion: version)
    }

    func delete(_ id: String) async throws {
        try await redis.send("DEL", key(id))
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
