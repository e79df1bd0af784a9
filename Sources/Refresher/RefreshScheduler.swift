import Foundation
import Jobs
import JunctionCore
import Logging
import Redis
import Runs
import ServiceLifecycle
import SourceAccess
import Store

/// Periodic work of the refreshers: re-lists every source's catalog once per `interval`
/// and refreshes upstream OAuth tokens `tokenLead` before they expire. Safe with any
/// number of refreshers: a catalog refresh is claimed in Redis (`SET NX PX interval`)
/// before it is queued, so each source is queued once per period; token refreshes take
/// the per-source lock and re-read the grant, so a token is refreshed once.
struct RefreshScheduler: Service {
    let database: any JunctionStore
    let queue: JobQueue
    let oauth: MCPOAuthTokens
    let interval: Duration
    let tick: Duration
    let tokenLead: Duration
    let logger: Logger

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await self.runOnce()
                try await Task.sleep(for: self.tick)
            }
        }
    }

    /// One pass: queue due catalog refreshes, refresh expiring tokens.
    func runOnce() async {
        do {
            let due = try await database.sourcesDueForRefresh(before: Date().addingTimeInterval(-interval.seconds))
            for ref in due {
                let claim = try await queue.redis.send("SET", RedisKeys.refreshClaim(owner: ref.owner, sourceID: ref.sourceID), "1",
                                                       "NX", "PX", String(max(1000, interval.milliseconds)))
                guard claim.string == "OK" else { continue }
                try await queue.enqueue(JobEnvelope(RefreshRequest(sourceID: ref.sourceID), owner: ref.owner))
                logger.info("scheduled catalog refresh", metadata: ["source": "\(ref.sourceID)"])
            }
        } catch {
            logger.warning("scheduling catalog refreshes failed", metadata: ["error": "\(error)"])
        }
        var tokens = oauth
        tokens.margin = tokenLead.seconds
        do {
            for ref in try await database.sourceOAuthExpiring(before: Date().addingTimeInterval(tokenLead.seconds)) {
                guard let source = try await database.source(owner: ref.owner, id: ref.sourceID) else { continue }
                do {
                    try await tokens.refresh(source, staleToken: nil, force: false)
                } catch {
                    // needs_sign_in is recorded by MCPOAuthTokens; a temporary failure is retried next tick.
                    logger.warning("scheduled OAuth token refresh failed", metadata: ["source": "\(source.slug)", "error": "\(error)"])
                }
            }
        } catch {
            logger.warning("scheduling OAuth token refreshes failed", metadata: ["error": "\(error)"])
        }
    }
}

extension Duration {
    /// The duration in (fractional) seconds.
    var seconds: TimeInterval {
        TimeInterval(components.seconds) + TimeInterval(components.attoseconds) / 1e18
    }
}
