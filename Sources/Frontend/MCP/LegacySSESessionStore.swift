import Common
import Foundation

/// Sessions of the deprecated HTTP+SSE transport (2024-11-05), in Redis: which user
/// owns the stream and which frontend instance holds it, so a `POST /messages` landing
/// on any instance can deliver its response to the right stream.
struct LegacySSESessionStore: Sendable {
    struct Session: Sendable, Equatable {
        var id: String
        var owner: String
        /// The frontend instance (reply-stream id) that holds the event stream.
        var frontend: String
    }

    let redis: RedisClient
    /// The holder refreshes the key on every keep-alive; a crashed holder's sessions expire.
    var ttlSeconds = 120

    private func key(_ id: String) -> String { "junction:ssesession:\(id)" }

    func create(owner: String, frontend: String) async throws -> Session {
        let session = Session(id: TokenHasher.newToken(prefix: "sse"), owner: owner, frontend: frontend)
        try await redis.pipeline([
            ["HSET", key(session.id), "owner", owner, "frontend", frontend],
            ["EXPIRE", key(session.id), String(ttlSeconds)],
        ])
        return session
    }

    func get(_ id: String) async throws -> Session? {
        guard id.count < 200 else { return nil }
        let reply = try await redis.send(["HMGET", key(id), "owner", "frontend"])
        guard let fields = reply.array, fields.count == 2, let owner = fields[0].string, let frontend = fields[1].string else { return nil }
        return Session(id: id, owner: owner, frontend: frontend)
    }

    func touch(_ id: String) async throws {
        try await redis.send(["EXPIRE", key(id), String(ttlSeconds)])
    }

    func delete(_ id: String) async throws {
        try await redis.send(["DEL", key(id)])
    }
}
