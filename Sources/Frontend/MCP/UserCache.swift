import Common
import Foundation
import Hummingbird
import Synchronization

/// Remembers which user a bearer token belongs to for at most one second, so a client
/// sending many requests does not cost a database lookup each. Only successful lookups
/// are kept, keyed by a hash of the header (never the token itself); a revoked token or
/// a disabled user is therefore refused at most `ttl` later — the TTL is capped at 1 s
/// for exactly that reason.
final class UserCache: Sendable {
    static let maxTTL = Duration.seconds(1)

    let ttl: Duration
    let capacity: Int
    private let entries = Mutex<[String: (user: User, expires: ContinuousClock.Instant)]>([:])

    init(ttl: Duration, capacity: Int = 10_000) {
        self.ttl = min(max(.zero, ttl), Self.maxTTL)
        self.capacity = capacity
    }

    /// The user of the request's bearer token, from the cache or from `auth`.
    func user(for request: Request, auth: Authenticator) throws -> User {
        guard ttl > .zero, let header = request.headers[.authorization] else { return try auth.user(for: request) }
        let key = TokenHasher.hash(header)
        let now = ContinuousClock.now
        if let hit = entries.withLock({ $0[key] }), hit.expires > now { return hit.user }
        let user = try auth.user(for: request)
        entries.withLock { e in
            if e.count >= capacity { e = e.filter { $0.value.expires > now } }
            if e.count < capacity { e[key] = (user, now + ttl) }
        }
        return user
    }
}
