import Foundation
import JunctionCore
import Redis
import Runs

/// Sessions of the `initialize`-based protocol revisions, held in Redis so that any
/// frontend instance serves any session. Every request naming a session is
/// authenticated first, so sessions are kept under their owner's `{u:<owner>}` hash tag:
/// a session id presented by another user names nothing, and a `tools/call` can check
/// its session in the same script that queues the run (`RunSlots`).
struct MCPSessionStore: Sendable {
    struct Session: Sendable, Equatable {
        var id: String
        var owner: String
        var protocolVersion: String
    }

    static let ttlSeconds = 86_400
    let redis: RedisClient

    private func hash(owner: String) -> RedisSessionHash {
        RedisSessionHash(redis: redis, keyPrefix: RedisKeys.sessionPrefix(owner: owner), ttlSeconds: Self.ttlSeconds)
    }

    func create(owner: String, protocolVersion: String) async throws -> Session {
        let id = try await hash(owner: owner).create(idPrefix: "mcps", fields: [("owner", owner), ("protocolVersion", protocolVersion)])
        return Session(id: id, owner: owner, protocolVersion: protocolVersion)
    }

    /// `owner`'s session, refreshing its expiry; nil when unknown, expired or another user's.
    func get(_ id: String, owner: String) async throws -> Session? {
        guard let values = try await hash(owner: owner).fields(id, ["owner", "protocolVersion"], refresh: true),
              values[0] == owner else { return nil }
        return Session(id: id, owner: owner, protocolVersion: values[1])
    }

    func delete(_ id: String, owner: String) async throws {
        try await hash(owner: owner).delete(id)
    }

    private func runKey(owner: String, session: String, requestID: JSONValue) -> String {
        RedisKeys.sessionRun(owner: owner, session: session, requestID: requestID.jsonString())
    }

    /// Binds a run to the session's request, so `notifications/cancelled` (which names the
    /// request) can cancel it from any instance. With `checked: false` the run is queued
    /// only if the session exists (a streamable-HTTP session, not yet looked up); legacy
    /// SSE sessions live elsewhere and are checked before.
    func binding(owner: String, session: String, requestID: JSONValue, runTTL: Duration, checked: Bool) -> RunSlots.SessionBinding? {
        guard RedisSessionHash.isPlausible(session) else { return nil }
        return RunSlots.SessionBinding(
            sessionKey: checked ? nil : hash(owner: owner).key(session), sessionTTLSeconds: Self.ttlSeconds,
            runKey: runKey(owner: owner, session: session, requestID: requestID), runTTL: runTTL)
    }

    /// The job started for a session's request, if it is still known.
    func run(owner: String, session: String, requestID: JSONValue) async -> String? {
        try? await redis.send(["GET", runKey(owner: owner, session: session, requestID: requestID)]).string
    }
}
