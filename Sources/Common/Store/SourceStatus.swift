import Foundation

/// Where a source is in its life: registered, waiting for a refresh, being refreshed, usable,
/// failed, or waiting for its user to sign in. Stored as the raw strings the API has always
/// shown (`sources.status`); `needs_secret` is not stored but derived (`Source.displayStatus`).
///
/// Every change a caller makes goes through `SourceStore.transitionSource`, which refuses a
/// move `canTransition` does not allow. The store's own writes follow the same table:
/// `createSource` starts at `pending`, `markRefreshQueued` moves to `queued` (allowed from
/// every status), a refresh's catalog write moves to `ready`.
package enum SourceStatus: String, Sendable, Codable, CaseIterable {
    /// Registered; its first refresh has not started yet.
    case pending
    /// A refresh job is queued (shown until a refresher takes it, so nobody mistakes the
    /// previous outcome for the new one; also what keeps a second job out).
    case queued
    /// A refresher is fetching and indexing it.
    case refreshing
    /// Its catalog is usable (`lastError` may carry indexing warnings).
    case ready
    /// The last refresh failed; the previous catalog, if any, is kept.
    case error
    /// An OAuth source nobody has signed in to (or whose grant was dropped or refused).
    case needsSignIn = "needs_sign_in"

    /// The statuses a source may move to from this one. `queued` may go back to any status:
    /// when the queue refuses the job, the status it had before is restored. Nothing goes
    /// back to `pending` otherwise, and only a refresh (or a refused enqueue) reaches
    /// `ready`: a failed or signed-out source becomes usable only through a new refresh.
    package var allowedNext: Set<SourceStatus> {
        switch self {
        case .pending: [.queued, .refreshing, .error, .needsSignIn]
        case .queued: Set(Self.allCases)
        case .refreshing: [.queued, .refreshing, .ready, .error, .needsSignIn]
        case .ready: [.queued, .refreshing, .ready, .error, .needsSignIn]
        case .error: [.queued, .refreshing, .error, .needsSignIn]
        case .needsSignIn: [.queued, .refreshing, .error, .needsSignIn]
        }
    }

    /// How long a `queued` mark keeps further refresh requests out (`markRefreshQueued`):
    /// a job lost with a Redis that lost its data must not block refreshes for good.
    package static let queuedMarkLifetime: TimeInterval = 600

    /// Whether a source in this status may move to `next`.
    package func canTransition(to next: SourceStatus) -> Bool { allowedNext.contains(next) }
}
