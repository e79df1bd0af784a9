import Foundation
import Hummingbird
import JunctionCore
import Secrets
import Store
import Synchronization

/// Remembers which user a bearer token belongs to, so a client sending many requests does
/// not cost a token lookup each. An answer is reused only while the store's auth epoch
/// (`AppDatabase.authEpoch`, bumped by triggers on every revocation, user change or token
/// deletion) is the one read before the answer was looked up, and never past the token's
/// own expiry — so a revoked token or a disabled user is refused on the very next request,
/// at the price of one single-row read instead of a JOIN. `maxAge` bounds how stale the
/// token's "last used" time may get. Keys are hashes of the header, never the token.
final class UserCache: Sendable {
    /// The longest `maxAge` accepted (`JUNCTION_AUTH_CACHE_MS`).
    static let maxAgeLimit = Duration.seconds(600)

    private struct Entry {
        var identity: Identity
        var epoch: Int64
        var validUntil: Date
    }

    let maxAge: Duration
    let capacity: Int
    private let entries = Mutex<[String: Entry]>([:])

    init(maxAge: Duration, capacity: Int = 10_000) {
        self.maxAge = min(max(.zero, maxAge), Self.maxAgeLimit)
        self.capacity = capacity
    }

    /// The user of the request's bearer token, from the cache or from `auth`.
    func user(for request: Request, auth: Authenticator) throws -> User {
        try identity(for: request, auth: auth).user
    }

    /// The identity of the request's bearer token, from the cache or from `auth`. Only for
    /// the MCP routes: the answer is what a route accepting `.mcp` credentials may see.
    func identity(for request: Request, auth: Authenticator) throws -> Identity {
        guard maxAge > .zero, let header = request.headers[.authorization] else { return try auth.identity(for: request, accepting: .mcp) }
        let key = TokenHasher.hash(header)
        // Read before the lookup: a revocation committed in between bumps the epoch past
        // the one stored with the answer, so the next request looks the token up again.
        let epoch = try auth.database.authEpoch()
        let now = Date()
        if let hit = entries.withLock({ $0[key] }), hit.epoch == epoch, hit.validUntil > now { return hit.identity }
        let found = try auth.bearer(header, accepting: .mcp)
        // Personal API tokens never expire; access tokens always do.
        let identity = Identity(user: found.user, credential: found.expiresAt == nil ? .apiToken : .accessToken)
        let entry = Entry(identity: identity, epoch: epoch,
                          validUntil: min(now.addingTimeInterval(Double(maxAge.milliseconds) / 1000), found.expiresAt ?? .distantFuture))
        entries.withLock { e in
            if e.count >= capacity { e = e.filter { $0.value.epoch == epoch && $0.value.validUntil > now } }
            if e.count < capacity { e[key] = entry }
        }
        return identity
    }
}
