import Foundation
import Redis
import Secrets

/// A session kept as one Redis hash that expires unless it is refreshed: how both MCP
/// session stores (`MCPSessionStore`, `LegacySSESessionStore`) keep theirs, so each
/// only names its fields and lifetime.
struct RedisSessionHash: Sendable {
    let redis: RedisClient
    /// Prepended to the session id to form the key, e.g. `junction:session:`.
    let keyPrefix: String
    let ttlSeconds: Int

    /// The Redis key of session `id`.
    func key(_ id: String) -> String { keyPrefix + id }

    /// Whether `id` could name a session at all; longer ids are never looked up.
    static func isPlausible(_ id: String) -> Bool { id.count < 200 }

    /// Stores a new session under a fresh id made with `idPrefix`; returns the id.
    func create(idPrefix: String, fields: [(String, String)]) async throws -> String {
        let id = TokenHasher.newToken(prefix: idPrefix)
        try await redis.pipeline([
            ["HSET", key(id)] + fields.flatMap { [$0.0, $0.1] },
            ["EXPIRE", key(id), String(ttlSeconds)],
        ])
        return id
    }

    /// The values of `names`, in order; nil when the session is unknown, expired or
    /// lacks one of them. With `refresh`, its expiry restarts in the same round trip.
    func fields(_ id: String, _ names: [String], refresh: Bool) async throws -> [String]? {
        guard Self.isPlausible(id) else { return nil }
        var commands = [["HMGET", key(id)] + names]
        if refresh { commands.append(["EXPIRE", key(id), String(ttlSeconds)]) }
        let replies = try await redis.pipeline(commands)
        guard let values = replies[0].array?.compactMap(\.string), values.count == names.count else { return nil }
        return values
    }

    /// Restarts the session's expiry.
    func touch(_ id: String) async throws {
        try await redis.send(["EXPIRE", key(id), String(ttlSeconds)])
    }

    func delete(_ id: String) async throws {
        try await redis.send(["DEL", key(id)])
    }
}
