import Foundation
import JunctionCore
import JunctionMetrics
import Logging
import Redis
import Secrets
import Store
import Upstream

/// Access tokens of OAuth-protected MCP sources, for workers and refreshers. Refreshes
/// run under a Redis lock per source shared by every process, and re-read the stored
/// grant once the lock is held, so a rotating refresh token is spent exactly once even
/// when several processes find the token expired at the same moment. A refresh that
/// fails for good (`invalid_grant` …) marks the source `needs_sign_in`.
package struct MCPOAuthTokens: Sendable {
    package let database: any JunctionStore
    package let redis: RedisClient
    package let box: SecretBox
    package let tokenClient: UpstreamOAuthTokenClient
    let logger: Logger
    /// Tokens expiring sooner than this are refreshed before use.
    package var margin: TimeInterval = 60

    package init(database: any JunctionStore, redis: RedisClient, box: SecretBox, http: UpstreamHTTP, logger: Logger) {
        self.database = database
        self.redis = redis
        self.box = box
        self.tokenClient = UpstreamOAuthTokenClient(http: http)
        self.logger = logger
    }

    /// The lock serialising refreshes of one source.
    package func lock(owner: String, sourceID: String) -> RedisLock {
        RedisLock(redis: redis, key: RedisKeys.oauthRefreshLock(owner: owner, sourceID: sourceID), ttl: .seconds(30))
    }

    /// A usable access token for `source`. `rejected` is a token the server just answered
    /// 401 to: unless the stored token has changed since, it is refreshed.
    package func accessToken(for source: Source, rejected: String? = nil) async throws -> String {
        // After a 401 the lock-held re-read in `refresh` is the only read that matters.
        if let rejected { return try await refresh(source, staleToken: rejected, force: true) }
        let grant = try await usableGrant(of: source)
        if !grant.expires(within: margin) { return grant.accessToken }
        return try await refresh(source, staleToken: grant.accessToken, force: false)
    }

    /// Refreshes the token of `source` if it is still `staleToken` (or expiring) once the
    /// lock is held. Returns the current access token.
    @discardableResult
    package func refresh(_ source: Source, staleToken: String?, force: Bool) async throws -> String {
        try await lock(owner: source.owner, sourceID: source.id).withLock(wait: .seconds(25)) {
            // Re-read: another process may have refreshed while we waited.
            var grant = try await usableGrant(of: source)
            let changed = staleToken != nil && grant.accessToken != staleToken
            if !grant.expires(within: margin) && (changed || !force) { return grant.accessToken }
            guard let refreshToken = grant.refreshToken else {
                MetricCatalog.tokenRefreshes.increment(["outcome": "refused"])
                throw try await markNeedsSignIn(source, grant: &grant, reason: "its access token expired and the server gave no refresh token")
            }
            do {
                let tokens: UpstreamOAuthTokens
                do {
                    tokens = try await tokenClient.refresh(refreshToken: refreshToken, resource: grant.resource, client: grant.client,
                                                           tokenEndpoint: grant.tokenEndpoint)
                    MetricCatalog.tokenRefreshes.increment(["outcome": "ok"])
                } catch {
                    let refused = (error as? UpstreamOAuthTokenFailure)?.isPermanent == true
                    MetricCatalog.tokenRefreshes.increment(["outcome": refused ? "refused" : "error"])
                    throw error
                }
                grant.apply(tokens)
                try await database.saveSourceOAuthGrant(owner: source.owner, sourceID: source.id, grant: grant, box: box)
                logger.info("refreshed upstream OAuth token", metadata: [
                    "source": "\(source.slug)", "rotated": "\(tokens.refreshToken != nil && tokens.refreshToken != refreshToken)",
                    "expiresIn": "\(tokens.expiresIn.map(String.init) ?? "unknown")",
                ])
                return grant.accessToken
            } catch let failure as UpstreamOAuthTokenFailure {
                if failure.isPermanent {
                    throw try await markNeedsSignIn(source, grant: &grant, reason: "the token refresh was refused: \(failure.error)")
                }
                throw UpstreamOAuthError.token(failure)
            }
        }
    }

    /// The stored grant of `source`; throws `needsSignIn` when there is none or it is marked so.
    private func usableGrant(of source: Source) async throws -> UpstreamOAuthGrant {
        guard let grant = try await database.sourceOAuthGrant(owner: source.owner, sourceID: source.id, box: box) else {
            throw UpstreamOAuthError.needsSignIn(source.slug, reason: "nobody has signed in to it yet")
        }
        if grant.needsSignIn { throw UpstreamOAuthError.needsSignIn(source.slug, reason: "its refresh token was refused") }
        return grant
    }

    /// Records that `source` needs a new sign-in and returns the error to throw.
    private func markNeedsSignIn(_ source: Source, grant: inout UpstreamOAuthGrant, reason: String) async throws -> UpstreamError {
        let error = UpstreamOAuthError.needsSignIn(source.slug, reason: reason)
        grant.needsSignIn = true
        try await database.saveSourceOAuthGrant(owner: source.owner, sourceID: source.id, grant: grant, box: box)
        try await database.transitionSource(owner: source.owner, id: source.id, to: .needsSignIn, error: error.message)
        logger.warning("upstream OAuth sign-in needed", metadata: ["source": "\(source.slug)", "reason": "\(reason)"])
        return error
    }
}
