import Foundation
import Redis

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
    private var hash: RedisSessionHash { RedisSessionHash(redis: redis, keyPrefix: RedisKeys.legacySSESessionPrefix, ttlSeconds: 120) }

    func create(owner: String, frontend: String) async throws -> Session {
        let id = try await hash.create(idPrefix: "sse", fields: [("owner", owner), ("frontend", frontend)])
        return Session(id: id, owner: owner, frontend: frontend)
    }

    func get(_ id: String) async throws -> Session? {
        guard let values = try await hash.fields(id, ["owner", "frontend"], refresh: false) else { return nil }
        return Session(id: id, owner: values[0], frontend: values[1])
    }

    func touch(_ id: String) async throws {
        try await hash.touch(id)
    }

    func delete(_ id: String) async throws {
        try await hash.delete(id)
    }
}
